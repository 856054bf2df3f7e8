# Copyright (c) 2026 coexist.domino_exchange contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# FOR INTERNAL COLLECTION USE ONLY
# The interfaces in this file are meant for use within the coexist.domino_exchange collection
# and may not remain stable to outside uses. Changes may be made in ANY release, even a bugfix
# release. See also: https://github.com/ansible/community/issues/539#issuecomment-780839686

"""Large blocks back to the system when freed (glibc only; issue 17's memory bar).

A sync builds lists and dicts of 100,000s of items, which grow by reallocation, and python-ldap
hands over each page of results as one large block. glibc serves a block of 128 KiB or more with
its own mmap, returned to the system on free, but raises that threshold to the size of each such
block freed ("the threshold is adjusted dynamically to suit the allocation patterns of the
program"), so after the first few growth steps the large blocks come from the heap, and the
heap's freed space between live blocks stays in the process. Setting the threshold disables the
adjustment (the GNU C Library manual, "Malloc Tunable Parameters", M_MMAP_THRESHOLD): fixed at
glibc's own starting value, the freed growth steps and pages go back. At 200,000 a no-op peaked
13-17 MB lower in domino_to_exchange and 27 MB lower in exchange_to_domino, at no cost in time
(benchmarks/README.md, "The allocator's threshold").
"""

from __future__ import annotations

import ctypes
import os

M_MMAP_THRESHOLD = -3              # <malloc.h>
LARGE_BLOCK = 128 * 1024           # glibc's starting value, kept


def is_glibc() -> bool:
    try:
        return (os.confstr('CS_GNU_LIBC_VERSION') or '').startswith('glibc')
    except (ValueError, OSError, AttributeError):
        return False


def return_large_blocks() -> bool:
    """Fix glibc's mmap threshold at LARGE_BLOCK for this process; whether it was set (False on
    another C library, where nothing is changed)."""
    if not is_glibc():
        return False
    try:
        return bool(ctypes.CDLL(None).mallopt(M_MMAP_THRESHOLD, LARGE_BLOCK))
    except (OSError, AttributeError):
        return False
