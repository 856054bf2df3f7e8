# Copyright (c) 2026 coexist.domino_exchange contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# FOR INTERNAL COLLECTION USE ONLY
# The interfaces in this file are meant for use within the coexist.domino_exchange collection
# and may not remain stable to outside uses. Changes may be made in ANY release, even a bugfix
# release. See also: https://github.com/ansible/community/issues/539#issuecomment-780839686

"""What every module of the collection shares: the ``ad``/``domino`` options, the python-ldap
check, opening a directory connection, and failing with a clear message."""

from __future__ import annotations

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ..directory.client import LdapClient
from ..directory.connection import open_directory
from ..directory.errors import DirectoryError
from ..directory.python_ldap import HAS_LDAP, LDAP_IMPORT_ERROR
from .allocator import return_large_blocks
from .options import ad_option, domino_option


class CoexistModule:
    """An AnsibleModule (composition) plus the directory plumbing.

    ``sides`` names the directory options the module takes (``ad``, ``domino`` or both).
    """

    def __init__(self, argument_spec: dict | None = None, sides: tuple = ('ad', 'domino'), **kwargs):
        spec = {}
        if 'ad' in sides:
            spec['ad'] = ad_option()
        if 'domino' in sides:
            spec['domino'] = domino_option()
        spec.update(argument_spec or {})
        # Every module here reads directories into large lists: freed large blocks go back to
        # the system (allocator.py; before the reads, which start the worker threads).
        return_large_blocks()
        self.module = AnsibleModule(argument_spec=spec, **kwargs)
        self.sides = sides
        if not HAS_LDAP:
            self.module.fail_json(msg=missing_required_lib('python-ldap'), exception=LDAP_IMPORT_ERROR)

    @property
    def params(self) -> dict:
        return self.module.params

    @property
    def check_mode(self) -> bool:
        return self.module.check_mode

    def client(self, side: str) -> LdapClient:
        """A connected client for one side; fails the module with a clear message if it cannot."""
        try:
            return open_directory(side, self.params.get(side))
        except DirectoryError as exc:
            self.fail(exc)

    def fail(self, exc: DirectoryError, **result):
        self.module.fail_json(msg=exc.message, error=exc.as_dict(), **result)

    def exit(self, **result):
        self.module.exit_json(**result)
