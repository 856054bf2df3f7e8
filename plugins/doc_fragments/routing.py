# Copyright (c) 2026 coexist.domino_exchange contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations


class ModuleDocFragment:
    """The routing design options; the spec is DESIGN_OPTIONS in plugins/module_utils/routing/design.py."""

    DOCUMENTATION = r'''
options:
  last_hop:
    description:
      - C(coexist_last_hop), the one system that rejects shared-domain recipients it does not know; the
        other forwards its unknown recipients to it.
      - V(none) makes both forward unknown recipients to each other, which loops for an address that
        exists nowhere (KB 321721). It is refused unless O(accept_loop_risk=true).
    type: str
    required: true
    choices: [domino, exchange, none]
  shared_domain:
    description: C(coexist_shared_domain), the SMTP domain both systems receive mail for.
    type: str
    required: true
  domino_routing_domain:
    description: C(coexist_domino_routing_domain), accepted by Domino only; the AD contacts target it.
    type: str
    default: ''
  exchange_routing_domain:
    description: C(coexist_exchange_routing_domain), accepted by Exchange only; the Domino contacts forward to it.
    type: str
    default: ''
  accept_loop_risk:
    description: C(coexist_accept_loop_risk), the explicit opt-in to O(last_hop=none).
    type: bool
    default: false
'''
