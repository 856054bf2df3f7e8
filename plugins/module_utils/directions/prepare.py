# Copyright (c) 2026 coexist.domino_exchange contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# FOR INTERNAL COLLECTION USE ONLY
# The interfaces in this file are meant for use within the coexist.domino_exchange collection
# and may not remain stable to outside uses. Changes may be made in ANY release, even a bugfix
# release. See also: https://github.com/ansible/community/issues/539#issuecomment-780839686

"""A direction up to its plan, whichever directory it writes to: read the source, the target's
address index and its container side by side, check what must hold before planning, plan.
Nothing here writes: a sync module hands the prepared direction to engine/run.finish (which
applies it unless check mode), the validate module only counts it.

What differs between the directions is a Direction (directions/base.py) and its typed options;
this flow is the same for every target.

A setting or a directory state that stops a direction before it can plan raises SetupError
with a sentence for the admin; a directory failure raises DirectoryError. Neither exits the
module, so validate can report them as checks.
"""

from __future__ import annotations

import contextlib
from concurrent.futures import ThreadPoolExecutor

from ..directory.connection import open_directory
from ..directory.errors import DirectoryError
from ..engine.apply import Ownership
from ..engine.delta import DeltaSources, scope
from ..engine.plan import plan
from ..engine.run import Prepared, Stopwatch, finish, marked_outside_message
from .base import Direction, SetupError, SyncOptions, skipped_referrals
from .domino_to_exchange import DOMINO_TO_EXCHANGE
from .exchange_to_domino import EXCHANGE_TO_DOMINO

# Every direction by its name (validate_site plans each of them).
DIRECTIONS = {d.name: d for d in (DOMINO_TO_EXCHANGE, EXCHANGE_TO_DOMINO)}


def prepare(direction: Direction, options: SyncOptions) -> Prepared:
    """Read, check and plan one direction. The returned client is open: the caller closes it."""
    site = direction.check(options)             # the settings alone can refuse, before any connection
    stopwatch = Stopwatch()
    with contextlib.ExitStack() as always:
        # The three big reads (the source, the target's addresses, its container) run at the same
        # time on their own connections: most of their time is the servers', and python-ldap lets
        # other threads run while it waits.
        pool = ThreadPoolExecutor(max_workers=2)
        always.callback(pool.shutdown, wait=True, cancel_futures=True)
        with contextlib.ExitStack() as on_failure:
            sources_read = pool.submit(site.timed, 'read_source', direction.read_source, options)
            client = on_failure.enter_context(open_directory(direction.target, options.side(direction.target)))
            direction.preflight(client, options, site)
            index_read = pool.submit(site.timed, 'read_addresses', direction.read_index, client.settings, options, site)
            container = site.timed('read_container', direction.read_container, client, options, site)
            index = direction.settle(client, options, site, container, index_read)
            sources, source_info = sources_read.result()
            stopwatch.lap('read')
            stopwatch.phases.update(site.phases)
            profile = site.profile
            if index.marked_outside:
                raise SetupError(outside_message(index.marked_outside, profile), outside=index.marked_outside)
            delta_run = source_info.pop('_delta_run', None)
            if isinstance(sources, DeltaSources):
                # A delta run (architecture.rst "Delta runs"): the changed sources, closed over
                # what the planner relates; the other owned contacts' names and addresses taken.
                found = scope(sources.changed, sources.unresolved, container, index, profile, sources.read_by_anchor,
                              sources.present, sources.deleted)
                source_info.update(changed=found.changed, planned=len(found.sources), pulled_in=found.pulled)
                sources = found.sources
                the_plan = plan(sources, found.owned, dict(index.addresses, **found.taken_addresses),
                                container.foreign_names + index.names + found.taken_names, profile, options.limits,
                                foreign_aliases=set(index.aliases) | set(found.taken_aliases),
                                mailbox_addresses=index.mailboxes, frozen=found.frozen, managed=len(container.owned))
            else:
                # Domino: names are unique in the whole directory, not only in the container (the
                # index's names): a Notes user typing a contact's name must not meet a mailbox of the
                # same name (D-11.3). AD: aliases (mailNickname) are unique forest-wide.
                the_plan = plan(sources, container.owned, index.addresses, container.foreign_names + index.names,
                                profile, options.limits, foreign_aliases=index.aliases,
                                mailbox_addresses=index.mailboxes, frozen=container.frozen)
            direction.after_plan(client, options, site, the_plan)
            stopwatch.phases.update(site.phases)
            stopwatch.lap('plan')
            on_failure.pop_all()                     # planned: the open connection is the caller's now
    refuse = site.cannot_create if the_plan.of_kind('create') else ''
    if not refuse and (the_plan.of_kind('update') or the_plan.of_kind('rename')):
        refuse = site.cannot_write
    # The report's target, and where its reads met references they did not follow.
    target = dict(direction.describe(client, options, site, container, sources),
                  skipped_referrals=sorted(set(index.referrals) | set(skipped_referrals(client))))
    return Prepared(direction.name, options, the_plan, client, source_info, target,
                    list(profile.merged()) + list(direction.merged_also), refuse, stopwatch,
                    Ownership(profile.marker_attribute, profile.anchor_of), delta_run)


def outside_message(outside: list, profile) -> str:
    """Why the run stops when the sync's marker is on objects outside every container it reads.
    With an OU per kind (AD kind_ous) the likely cause is a kind's OU outside contacts_ou that the
    setting no longer names: its contacts are no longer read (guide_ad_contact_profile, "An OU
    per kind")."""
    bases = getattr(profile, 'read_bases', None) or (profile.container,)
    also = ''
    if len(getattr(profile, 'containers', ())) > 1 or len(bases) > 1:
        also = (' With kind_ous: is it the OU of a kind, outside the contacts OU, that kind_ous no longer names? '
                'Name it again, or move its contacts by hand into the OU kind_ous now names for their kind (or '
                'anywhere under the contacts OU): the next run finds them there.')
    return marked_outside_message(outside, profile.marker_attribute, profile.marker_prefix, ' and '.join(bases)) + also


def run_direction(cm, direction: Direction) -> None:
    """The whole of a sync module after its argument spec: the options, prepare (read, check,
    plan), then finish (guard, apply unless check mode, report, exit). Fails the module with the
    admin's sentence when the direction cannot plan."""
    options = direction.options(cm.params)
    try:
        prepared = prepare(direction, options)
    except SetupError as exc:
        details = {k: (v[:options.sample_size] if isinstance(v, list) else v) for k, v in exc.details.items()}
        cm.module.fail_json(msg=exc.message, **details)
    except DirectoryError as exc:
        cm.fail(exc)
    with prepared.client:
        finish(cm, prepared)
