# Copyright (c) 2026 coexist.domino_exchange contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# FOR INTERNAL COLLECTION USE ONLY
# The interfaces in this file are meant for use within the coexist.domino_exchange collection
# and may not remain stable to outside uses. Changes may be made in ANY release, even a bugfix
# release. See also: https://github.com/ansible/community/issues/539#issuecomment-780839686

"""The ``ad`` and ``domino`` options every module takes, with the shape of the playbook
variables ``coexist_ad`` / ``coexist_domino`` (connection plus scope).

One spec per directory, documented once in ``plugins/doc_fragments/directories.py``: both must
change together. Every connection key falls back to an environment variable
(``COEXIST_AD_SERVER``, ``COEXIST_DOMINO_BIND_PASSWORD``, ...) so an AWX credential can inject
secrets while the inventory holds the rest; a value given explicitly wins.
"""

from __future__ import annotations

import copy

from ansible.module_utils.basic import env_fallback

from ..dialects.ad import DEFAULT_MAILBOX_KINDS, MAILBOX_KINDS, MSEXCH_VERSION_AUTO, PRE_2007
from ..dialects.ad import DEFAULT_MARKER_ATTRIBUTE as AD_MARKER_ATTRIBUTE
from ..dialects.domino import DEFAULT_CONTACT_MAIL_SYSTEM, DEFAULT_MAIL_SYSTEMS
from ..dialects.domino import DEFAULT_MARKER_ATTRIBUTE as DOMINO_MARKER_ATTRIBUTE
from ..engine.marker import DEFAULT_MARKER_PREFIX
from ..engine.plan import RECIPIENT_KINDS
from ..engine.run import DEFAULT_ATTRIBUTE_MAP


def renamed(old: str, option: dict) -> dict:
    """``option`` that still answers to its old name ``old``, with a deprecation warning until
    2.0.0. Issue 16: an option's name says which directory (or which objects) it belongs to."""
    return dict(option, aliases=[old], deprecated_aliases=[
        {'name': old, 'version': '2.0.0', 'collection_name': 'coexist.domino_exchange'}])


# Options several modules take, each default the constant it stands for (the modules'
# DOCUMENTATION repeats them as YAML; tests/unit/plugins/modules/test_option_defaults.py checks
# both against the constants).
_SHARED = {
    'marker_prefix': {'type': 'str', 'default': DEFAULT_MARKER_PREFIX},
    'ad_marker_attribute': {'type': 'str', 'default': AD_MARKER_ATTRIBUTE},
    'domino_marker_attribute': {'type': 'str', 'default': DOMINO_MARKER_ATTRIBUTE},
    'mailbox_mail_systems': {'type': 'list', 'elements': 'str', 'default': list(DEFAULT_MAIL_SYSTEMS)},
    'contact_mail_system': {'type': 'str', 'default': DEFAULT_CONTACT_MAIL_SYSTEM},
    'msexch_version': {'type': 'str', 'default': MSEXCH_VERSION_AUTO},
    'attribute_map': {'type': 'dict', 'default': DEFAULT_ATTRIBUTE_MAP},
    'routed_domains': {'type': 'list', 'elements': 'str', 'default': []},
    'exchange_routing_domain': {'type': 'str', 'default': ''},
    'kinds': {'type': 'list', 'elements': 'str', 'default': list(RECIPIENT_KINDS), 'choices': list(RECIPIENT_KINDS)},
    # Domino -> Exchange: the OU of each kind of recipient, contacts_ou for a kind not named.
    'kind_ous': {'type': 'dict', 'options': {kind: {'type': 'str'} for kind in RECIPIENT_KINDS}},
}
# The deprecated names of the renamed ones (issue 16), in the modules that had them.
_OLD_NAMES = {'ad_marker_attribute': 'marker_attribute', 'domino_marker_attribute': 'marker_attribute',
              'mailbox_mail_systems': 'mail_systems', 'contact_mail_system': 'mail_system'}


def shared_options(*names: str, old_names: tuple = ()) -> dict:
    """The specs of ``names`` from the shared table; those in ``old_names`` also answer to their
    deprecated old name (:func:`renamed`)."""
    specs = {name: copy.deepcopy(_SHARED[name]) for name in names}
    for name in old_names:
        specs[name] = renamed(_OLD_NAMES[name], specs[name])
    return specs


def _connection_spec(prefix: str) -> dict:
    def env(key: str) -> tuple:
        return (env_fallback, [f'COEXIST_{prefix}_{key}'])

    return {
        'server': {'type': 'str', 'fallback': env('SERVER')},
        'bind_dn': {'type': 'str', 'fallback': env('BIND_DN')},
        'bind_password': {'type': 'str', 'no_log': True, 'fallback': env('BIND_PASSWORD')},
        'sasl_mech': {'type': 'str', 'choices': ['GSSAPI'], 'fallback': env('SASL_MECH')},
        'ca_file': {'type': 'path', 'fallback': env('CA_FILE')},
        'validate_certs': {'type': 'bool', 'default': True, 'fallback': env('VALIDATE_CERTS')},
        'start_tls': {'type': 'bool', 'default': False, 'fallback': env('START_TLS')},
        'allow_plaintext_bind': {'type': 'bool', 'default': False, 'fallback': env('ALLOW_PLAINTEXT_BIND')},
        'timeout': {'type': 'int', 'default': 60, 'fallback': env('TIMEOUT')},
        'connect_timeout': {'type': 'int', 'default': 10, 'fallback': env('CONNECT_TIMEOUT')},
        'connect_retries': {'type': 'int', 'default': 2, 'fallback': env('CONNECT_RETRIES')},
        'idle_reconnect': {'type': 'int', 'default': 600, 'fallback': env('IDLE_RECONNECT')},
        'page_size': {'type': 'int', 'default': 1000, 'fallback': env('PAGE_SIZE')},
    }


_AD_SPEC = dict(
    _connection_spec('AD'),
    global_catalog={'type': 'str', 'fallback': (env_fallback, ['COEXIST_AD_GLOBAL_CATALOG'])},
    mailbox_bases={'type': 'list', 'elements': 'str', 'default': []},
    contacts_ou={'type': 'str'},
)

_DOMINO_SPEC = dict(
    _connection_spec('DOMINO'),
    mailbox_base={'type': 'str', 'default': ''},
    contacts_base={'type': 'str'},
)


# Which AD users are Exchange mailboxes (ad_mailbox_info, domino_contact_sync; documented in
# plugins/doc_fragments/exchange_mailboxes.py).
EXCHANGE_MAILBOX_OPTIONS = {
    'mailbox_types': {'type': 'list', 'elements': 'str', 'choices': sorted(list(MAILBOX_KINDS) + [PRE_2007]),
                      'default': list(DEFAULT_MAILBOX_KINDS)},
    'include_hidden': {'type': 'bool', 'default': False},
    'include_disabled': {'type': 'bool', 'default': True},
}


def ad_option() -> dict:
    """The ``ad`` option: a dict with the shape of ``coexist_ad``."""
    # apply_defaults: with the option left out entirely, the environment fallbacks still apply.
    return {'type': 'dict', 'options': copy.deepcopy(_AD_SPEC), 'apply_defaults': True}


def domino_option() -> dict:
    """The ``domino`` option: a dict with the shape of ``coexist_domino``."""
    return {'type': 'dict', 'options': copy.deepcopy(_DOMINO_SPEC), 'apply_defaults': True}
