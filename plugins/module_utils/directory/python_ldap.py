# Copyright (c) 2026 coexist.domino_exchange contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# FOR INTERNAL COLLECTION USE ONLY
# The interfaces in this file are meant for use within the coexist.domino_exchange collection
# and may not remain stable to outside uses. Changes may be made in ANY release, even a bugfix
# release. See also: https://github.com/ansible/community/issues/539#issuecomment-780839686

"""python-ldap, imported once for the directory package: the only place the collection imports
it. Guarded, because ansible-test's import sanity test (and a control node without
python-ldap) loads the modules without it; a module then fails with missing_required_lib."""

from __future__ import annotations

import traceback

try:
    # The submodules are imported for their side effect: ldap.dn, ldap.filter and ldap.sasl
    # become attributes of the ldap package the other modules use.
    # pylint: disable=unused-import
    import ldap
    import ldap.dn
    import ldap.filter
    import ldap.sasl
    from ldap.controls import SimplePagedResultsControl
    # pylint: enable=unused-import
except ImportError:
    HAS_LDAP = False
    LDAP_IMPORT_ERROR: str | None = traceback.format_exc()
    ldap = None
    SimplePagedResultsControl = None
else:
    HAS_LDAP = True
    LDAP_IMPORT_ERROR = None
