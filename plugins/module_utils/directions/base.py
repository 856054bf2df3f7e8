# Copyright (c) 2026 coexist.domino_exchange contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# FOR INTERNAL COLLECTION USE ONLY
# The interfaces in this file are meant for use within the coexist.domino_exchange collection
# and may not remain stable to outside uses. Changes may be made in ANY release, even a bugfix
# release. See also: https://github.com/ansible/community/issues/539#issuecomment-780839686

"""What a direction is made of: its typed options, what one run learns of the target before it
plans (a :class:`Site`), and the :class:`Direction` that names the few steps differing between
targets. directions/prepare.py runs the steps; domino_to_exchange.py and exchange_to_domino.py
are the two directions.

The options are built once from the module parameters (``from_params``); every default is the
dialect's constant, never a literal typed again here, so a module's documented default and the
code's cannot drift apart (tests/unit/plugins/modules/test_option_defaults.py checks the
modules' documentation against the same constants).
"""

from __future__ import annotations

import dataclasses
import time
import typing as t
from dataclasses import dataclass, field

from ..dialects.ad import DEFAULT_MARKER_ATTRIBUTE as AD_MARKER_ATTRIBUTE
from ..dialects.domino import DEFAULT_MAIL_SYSTEMS
from ..dialects.domino import DEFAULT_MARKER_ATTRIBUTE as DOMINO_MARKER_ATTRIBUTE
from ..directory.client import LdapClient
from ..directory.settings import ConnectionSettings
from ..engine.marker import DEFAULT_MARKER_PREFIX
from ..engine.plan import RECIPIENT_KINDS, ContainerContents, Limits, Plan, SourceRecord
from ..engine.run import DEFAULT_ATTRIBUTE_MAP, GUARD_LIMITS, attribute_fields


class SetupError(Exception):
    """What stops a direction before it plans, as a sentence for the admin."""

    def __init__(self, message: str, **details):
        super().__init__(message)
        self.message = message
        self.details = details


def limits_from(params: dict) -> Limits:
    """The guards' limits and the per-operation switches; a limit the parameters leave out (or
    null) is Limits' default (validate_site plans with the deletion guard's limits alone)."""
    given = {k: params[k] for k in GUARD_LIMITS + ('allow_create', 'allow_update', 'allow_rename', 'allow_delete')
             if params.get(k) is not None}
    return Limits(**given)


@dataclass(frozen=True)
class SyncOptions:
    """The options every direction takes. A direction's own options subclass this."""

    ad: dict | None = None                   # the ``ad`` option (connection and scope)
    domino: dict | None = None               # the ``domino`` option
    records: list | None = None              # source records handed in; None reads the source
    attribute_map: dict = field(default_factory=lambda: dict(DEFAULT_ATTRIBUTE_MAP))
    marker_prefix: str = DEFAULT_MARKER_PREFIX
    ad_marker_attribute: str = AD_MARKER_ATTRIBUTE
    domino_marker_attribute: str = DOMINO_MARKER_ATTRIBUTE
    mailbox_mail_systems: tuple = DEFAULT_MAIL_SYSTEMS
    shared_domain: str = ''
    routed_domains: tuple = ()               # the option: the shared domain's aliases
    exchange_routing_domain: str = ''
    limits: Limits = Limits()
    # the report (engine/run.finish)
    report_dir: str | None = None
    sample_size: int = 10
    diff_limit: int = 50
    max_writes: int = 0                      # the write budget of one run (engine/budget.py); 0: none
    write_connections: int = 1               # connections writing side by side (engine/schedule.py)

    @classmethod
    def from_params(cls, params: dict):
        """The options from a module's validated parameters: each field its parameter's value,
        the dataclass default where the module has no such parameter."""
        given = {}
        for option in dataclasses.fields(cls):
            if option.name in params and option.name != 'limits':
                value = params[option.name]
                # A list option whose default is a tuple is kept as one (the options are immutable).
                given[option.name] = tuple(value) if isinstance(option.default, tuple) and value is not None else value
        return cls(limits=limits_from(params), **given)

    def side(self, name: str) -> dict | None:
        """The ``ad`` or ``domino`` option."""
        return self.ad if name == 'ad' else self.domino

    def fields(self, target: str) -> dict:
        """{target attribute: source attribute} of the attribute map, ``target`` 'ad' or 'domino'."""
        return attribute_fields(self.attribute_map, target)

    @property
    def routed(self) -> tuple:
        """The domains this sync routes, lower case: the shared domain and its aliases; () when
        there is no shared domain (any domain is accepted)."""
        shared = (self.shared_domain or '').strip()
        if not shared:
            return ()
        return tuple(dict.fromkeys(d.strip().lower() for d in [shared] + list(self.routed_domains or []) if d.strip()))


@dataclass
class Site:
    """What one run of a direction learns of its target before planning. A direction subclasses
    it for what its own steps hand each other (an AD run: the organisation, the Global Catalog).

    ``profile`` is the target dialect's contact profile (engine/plan.py ContactProfile), set by
    ``check`` when the settings alone decide it, else by ``preflight``. ``cannot_create`` is why
    the bind account may not create contacts, found before planning: a plan with creates then
    writes nothing and fails (the report still shows it). ``cannot_write``: the same for a plan
    that updates or renames contacts it already has (attributes it may not write on them)."""

    profile: t.Any = None
    cannot_create: str = ''
    cannot_write: str = ''             # why writes to existing contacts would be refused (AD: rights)
    phases: dict = field(default_factory=dict)       # seconds per read (the reads overlap)

    def timed(self, name: str, function, *args):
        """Run ``function`` and record its seconds in ``phases`` (the reads overlap: each one's own
        time shows which one the read phase waited for)."""
        started = time.monotonic()
        try:
            return function(*args)
        finally:
            self.phases[name] = round(time.monotonic() - started, 3)


def _index_as_read(client: LdapClient, options, site: Site, container: ContainerContents, index_read):
    return index_read.result()


def _nothing_after_plan(client: LdapClient, options, site: Site, the_plan: Plan) -> None:
    return None


@dataclass(frozen=True)
class Direction:
    """One direction, told by the steps that differ between targets; prepare() runs them in this
    order (``describe`` last, after planning). Each step takes the direction's options (``options``, an instance of ``options_class``)
    and the run's Site; a step that finds the direction cannot plan raises SetupError.

    A new target (say Exchange Online contacts) is a new Direction with its options, its Site and
    these steps over its dialect; the flow, the planner, the applier and the report stay as they are.
    """

    name: str                                # 'domino_to_exchange': the report's and the module's word
    target: str                              # the directory written: 'ad' or 'domino'
    options_class: type                      # a SyncOptions subclass
    # The settings alone, before any connection: a Site (with the profile when they decide it).
    check: t.Callable[[t.Any], Site]
    # (records, what the report says of the source); a worker thread, its own connection.
    read_source: t.Callable[[t.Any], tuple]
    # On the open target connection: the container exists, what the profile needs is found.
    preflight: t.Callable[[LdapClient, t.Any, Site], None]
    # Every address of the target's directory (engine/plan.py AddressIndex, or what ``settle``
    # makes one of); a worker thread, a connection of its own made from the target's settings.
    read_index: t.Callable[[ConnectionSettings, t.Any, Site], t.Any]
    # What is in the container (engine/plan.py ContainerContents), on the target connection.
    read_container: t.Callable[[LdapClient, t.Any, Site], ContainerContents]
    # The report's ``target``: (client, options, site, container, sources) -> dict.
    describe: t.Callable[..., dict]
    # The AddressIndex to plan with, given the container and the index read still running
    # (a step may read more on the target connection before it waits for it).
    settle: t.Callable[[LdapClient, t.Any, Site, ContainerContents, t.Any], t.Any] = _index_as_read
    # Operations the plan needs beyond the contacts' (Domino: the groups naming a renamed contact).
    after_plan: t.Callable[[LdapClient, t.Any, Site, Plan], None] = _nothing_after_plan
    # Attributes merged value by value besides the profile's own (engine/apply.py modlist).
    merged_also: tuple = ()

    def options(self, params: dict):
        """This direction's options from a module's parameters."""
        return self.options_class.from_params(params)


def skipped_referrals(client: LdapClient) -> list:
    """The search continuation references a client's reads met and did not follow (URLs, once
    each): what lives there was not read, so the report says where (another domain's subtree, a
    Domino directory that is not local; AD's own Configuration partition is harmless)."""
    return sorted(set(client.skipped_references))


def records_given(options: SyncOptions) -> tuple | None:
    """(records, source description) of the records handed to the module, or None to read the source."""
    if options.records is None:
        return None
    return [SourceRecord.from_dict(r) for r in options.records], {'directory': 'records', 'mailboxes': len(options.records)}


def kind_counts(records: list, kinds) -> dict:
    """Source records per kind of recipient, for every kind read (0 included: a site sees a kind it
    expected and does not have)."""
    counts = {kind: 0 for kind in RECIPIENT_KINDS if kind in kinds}
    for record in records:
        counts[record.kind] = counts.get(record.kind, 0) + 1
    return counts
