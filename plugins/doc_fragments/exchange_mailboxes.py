# Copyright (c) 2026 coexist.domino_exchange contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations


class ModuleDocFragment:
    """Which AD users are Exchange mailboxes; the spec is EXCHANGE_MAILBOX_OPTIONS in
    plugins/module_utils/module/options.py."""

    DOCUMENTATION = r'''
options:
  mailbox_types:
    description:
      - The kinds of Exchange mailbox read as sources, by C(msExchRecipientTypeDetails). V(user),
        V(shared), V(room), V(equipment), V(linked) (and linked rooms), V(legacy) (a mailbox on an
        Exchange 2003 server seen by Exchange 2007 and later), V(remote) (Exchange Online mailboxes
        of a hybrid organisation) and V(pre2007) (Exchange 2000/2003 mailboxes, which have C(homeMDB)
        or C(msExchHomeServerName) and no recipient type).
      - Arbitration, discovery, monitoring, audit and other system mailboxes are never read, nor
        are contacts, groups or mail users, whatever this says.
    type: list
    elements: str
    choices: [equipment, legacy, linked, pre2007, remote, room, shared, user]
    default: [user, shared, room, equipment, legacy, linked, remote, pre2007]
  include_hidden:
    description: Also read mailboxes hidden from the address lists (C(msExchHideFromAddressLists)).
    type: bool
    default: false
  include_disabled:
    description:
      - Read mailboxes whose account is disabled. Shared, room, equipment and linked mailboxes are
        disabled accounts by design; V(false) leaves them out too.
    type: bool
    default: true
'''
