# Copyright (c) 2026 coexist.domino_exchange contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations


class ModuleDocFragment:
    """Options every sync module takes; the spec is SYNC_OPTIONS in plugins/module_utils/engine/run.py."""

    DOCUMENTATION = r'''
options:
  max_deletes:
    description:
      - The deletion guard's count limit (C(coexist_max_deletes)). A plan with more deletes writes
        nothing at all and fails with the counts; raise it for one run after reading the report.
      - Deletes of contacts superseded by real mailboxes count too.
    type: int
    default: 500
  max_delete_percent:
    description:
      - The guard's share limit (C(coexist_max_delete_percent)). More than 10 deletes that are also
        more than this percentage of the managed contacts (the owned contacts before the run)
        block the plan. A source that returns no mailboxes while contacts are managed always does.
    type: float
    default: 10.0
  max_renames:
    description:
      - The rename guard's count limit (C(coexist_max_renames)). A plan with more renames writes
        nothing at all and fails with the counts, as the deletion guard does; a changed name format
        at the source would otherwise rename every contact in one run. Raise it for one run after
        reading the report.
    type: int
    default: 500
  max_rename_percent:
    description:
      - The rename guard's share limit (C(coexist_max_rename_percent)). More than 10 renames that
        are also more than this percentage of the managed contacts block the plan.
    type: float
    default: 10.0
  max_address_changes:
    description:
      - The address-change guard's count limit (C(coexist_max_address_changes)). Updates that change
        an address attribute (C(mail), C(proxyAddresses), C(targetAddress); on Domino C(mailaddress))
        re-route mail; a plan with more of them writes nothing at all and fails with the counts
        (a half-read source or a mistyped routing domain would otherwise re-address every contact).
    type: int
    default: 500
  max_address_change_percent:
    description:
      - The address-change guard's share limit (C(coexist_max_address_change_percent)). More than 10
        address-changing updates that are also more than this percentage of the managed contacts
        block the plan.
    type: float
    default: 10.0
  allow_create:
    description: Create contacts. When false, planned creates are reported as suppressed.
    type: bool
    default: true
  allow_update:
    description: Update contacts. When false, planned updates are reported as suppressed.
    type: bool
    default: true
  allow_rename:
    description: Rename contacts. When false, planned renames are reported as suppressed.
    type: bool
    default: true
  allow_delete:
    description: Delete contacts. When false, planned deletes are reported as suppressed.
    type: bool
    default: true
  max_writes:
    description:
      - The write budget of one run (C(coexist_max_writes)), for a long first load done in several
        jobs. The run does at most this many writes, in the plan's order, and reports the rest as
        pending (RV(pending), the report's C(pending) status and the job output's C(PENDING) line);
        the next run plans them again and does them. Run again until nothing is pending.
      - The cut keeps the plan's order and never splits writes that belong together (the renames
        and address moves before the creates that need the freed names; a swap's two renames; a
        Domino group's update and the renames or deletes of the contacts it names; the writes of
        a supersede merge). When the first such unit is bigger than the budget, the run does that
        unit, so every run makes progress.
      - The guards judge the whole plan, not this run's part of it.
      - V(0) (the default) does every write of the plan.
    type: int
    default: 0
  write_connections:
    description:
      - How many connections write side by side (C(coexist_write_connections)), each in its own
        thread, all to the server the run read from. For servers that take several writes in
        flight (Windows domain controllers, Domino); Samba serves one request at a time, where
        more connections gain nothing.
      - Only independent writes overlap. The plan's phases still run one after the other (deletes,
        then updates, renames, creates, then the Domino group updates that follow their members);
        within a phase, the updates that move addresses run in order on one connection, and so do
        all renames (chains and swaps) and each supersede merge with its delete. Errors stay per
        object; a lost connection stops every connection, and the rest is reported as not attempted.
      - A connection that cannot be opened leaves the run with fewer (the result's
        RV(write_connections) says how many wrote). Check mode and the guards are unchanged.
    type: int
    default: 1
  report_dir:
    description:
      - Directory (on the controller) to write C(report.json), the full plan and its outcome in the
        versioned report schema, C(report.html), the same for people (one self-contained page with
        filterable, paginated tables), and C(summary.txt). Created if missing; files are replaced.
      - During the writes the run also keeps C(progress.json) there up to date, every 500 writes or
        10 seconds (writes done and failed, this run's total, the rate and the estimated end), so a
        long run can be watched while the task has printed nothing yet. The report links it.
      - Writing the report is not a change.
    type: path
  sample_size:
    description: How many DNs per operation, conflicts and skips the task result shows.
    type: int
    default: 10
  diff_limit:
    description: How many objects C(--diff) shows before and after; the rest is counted.
    type: int
    default: 50
'''

    # The AD OU of each kind of recipient: ad_contact_sync places contacts by it, validate_site
    # checks each OU named; the spec is SYNC_OPTIONS' kind_ous in plugins/module_utils/module/options.py.
    KIND_OUS = r'''
options:
  kind_ous:
    description:
      - The OU of each kind of recipient (C(coexist_kind_ous)), by the DN of an existing OU; a kind
        not named here goes to O(ad.contacts_ou). Each OU must exist (the run stops before writing
        otherwise) and the sync account needs there what it has on O(ad.contacts_ou); validate
        checks each one named as it checks O(ad.contacts_ou).
      - Contact names stay unique across all these OUs, not only within each one, and an object
        the sync does not own directly in any of them keeps its name from every contact.
      - A contact in another of these OUs than its kind's (the setting changed, or its source
        changed kind) is moved there by a rename, counted by the rename guard (C(coexist_max_renames)). Every OU is read with
        its subtree; put the OUs under O(ad.contacts_ou) so that an OU no kind names any more is
        still read and its contacts are moved out. Contacts carrying the marker in an OU outside
        all of them stop the run (nothing written), as for a moved O(ad.contacts_ou).
      - A deleted contact's kind in the report is that of its OU when only that kind lives there.
    type: dict
    suboptions:
      person:
        description: The OU of the mailboxes' contacts.
        type: str
      group:
        description: The OU of the Domino groups' contacts.
        type: str
      mailin:
        description: The OU of the mail-in databases' contacts.
        type: str
      resource:
        description: The OU of the rooms' and equipment's contacts.
        type: str
'''
