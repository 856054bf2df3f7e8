"""validate's two Domino lines for the delta runs not built yet (issue 17, validate/domino_delta.py):
a change time, and whether cn searches fold case and accents. The lab's slapd gives one answer
to each (tests/integration/test_validate.py); the others, which a Domino server may give (HCL
documents neither, vendor facts D-5), come from a stand-in directory here: pure logic, synthesized."""
from __future__ import annotations

import re
import unicodedata

import pytest

from ansible_collections.coexist.domino_exchange.plugins.module_utils.directory.client import Entry
from ansible_collections.coexist.domino_exchange.plugins.module_utils.directory.errors import DirectoryError
from ansible_collections.coexist.domino_exchange.plugins.module_utils.validate import domino_delta

BASE = 'o=Acme'
_TERM = re.compile(r'^\((\w+)(>=|=)(.*)\)$')


def _unescape(value: str) -> str:
    return re.sub(r'\\([0-9a-fA-F]{2})', lambda m: chr(int(m.group(1), 16)), value)


class _Directory:
    """A stand-in for ReadOnlyDirectory over a few Persons. A subtree search of the base returns
    them all, in order (``read`` counts the entries handed out); a base search evaluates a one-term
    filter on that Person the way the server is told to: folding case or accents in cn, comparing
    modifyTimestamp, ignoring the term, or refusing the filter."""

    server = 'ldaps://domino.example.test'

    def __init__(self, persons, fold_case=True, fold_accents=False, ignores_time=False, refuses=False):
        self.persons = [Entry(dn, attrs) for dn, attrs in persons]
        self.fold_case, self.fold_accents = fold_case, fold_accents
        self.ignores_time, self.refuses = ignores_time, refuses
        self.read = 0

    def _fold(self, value: str) -> str:
        if self.fold_accents:
            value = ''.join(c for c in unicodedata.normalize('NFKD', value) if not unicodedata.combining(c))
        return value.lower() if self.fold_case else value

    def _matches(self, entry: Entry, filterstr: str) -> bool:
        name, op, value = _TERM.match(filterstr).groups()
        value = _unescape(value)
        if name.lower() == 'modifytimestamp':
            if self.ignores_time:
                return True
            return op == '>=' and (entry.get('modifyTimestamp') or '') >= value
        return any(self._fold(v) == self._fold(value) for v in entry.values(name))

    def search(self, base, filterstr='(objectClass=*)', attrs=None, scope='subtree'):
        if self.refuses == 'reads':
            raise DirectoryError('size limit exceeded', kind='size_limit', server=self.server)
        if scope == 'base':
            if self.refuses:
                raise DirectoryError('unwilling to perform', kind='ldap', server=self.server)
            yield from (e for e in self.persons if e.dn == base and self._matches(e, filterstr))
            return
        for entry in self.persons:
            self.read += 1
            yield entry


def _found(status_server_check_found_todo) -> str:
    status, server, _check, found, todo = status_server_check_found_todo
    assert status == 'info' and server == _Directory.server and todo == ''
    return found


def _person(i, **attrs):
    return f'cn=person {i},{BASE}', {'cn': [f'Person {i}'], **attrs}


STAMPED = [_person(1, modifyTimestamp=['20261204101500Z']), _person(2, modifyTimestamp=['20261204101600Z'])]


def test_a_change_time_is_reported_filterable_only_when_the_filter_matches_and_misses():
    found = _found(domino_delta.change_time(_Directory(STAMPED), BASE))
    assert found.startswith(f'modifyTimestamp returned (20261204101500Z on cn=person 1,{BASE}) and filterable'), found


def test_a_server_that_ignores_the_time_filter_is_not_taken_for_one_that_evaluates_it():
    found = _found(domino_delta.change_time(_Directory(STAMPED, ignores_time=True), BASE))
    assert 'a filter on it matches a time no entry has: not usable as a change time' in found, found


def test_a_refused_time_filter_is_an_answer_not_a_failure():
    found = _found(domino_delta.change_time(_Directory(STAMPED, refuses=True), BASE))
    assert 'but a filter on it was refused (unwilling to perform)' in found, found


def test_no_change_time_stops_after_a_sample_of_persons():
    persons = [_person(i) for i in range(domino_delta.TIME_SAMPLE + 50)]
    directory = _Directory(persons)
    found = _found(domino_delta.change_time(directory, BASE))
    assert found.startswith(f'modifyTimestamp not returned on {domino_delta.TIME_SAMPLE} Persons'), found
    assert directory.read == domino_delta.TIME_SAMPLE


@pytest.mark.parametrize('value', ['2026-12-04 10:15', '1733307300', '202612041015Z'])
def test_a_change_time_that_is_not_a_generalized_time_is_said_so(value):
    found = _found(domino_delta.change_time(_Directory([_person(1, modifyTimestamp=[value])]), BASE))
    assert f'modifyTimestamp returned as {value!r}, not a GeneralizedTime' in found, found


def test_no_person_to_ask():
    assert _found(domino_delta.change_time(_Directory([]), BASE)) == f'no Person under {BASE} to ask'
    assert _found(domino_delta.name_matching(_Directory([]), BASE)) == \
        f'no Person under {BASE} with a common name to try'


NAMES = [(f'cn=rene dupont,{BASE}', {'cn': ['Rene Dupont']}),
         (f'cn=helene,{BASE}', {'cn': ['Hélène Dubois/Acme', 'Hélène Dubois']})]


@pytest.mark.parametrize('fold_case, fold_accents, says', [
    (True, False, "case folded ('rENE dUPONT' finds 'Rene Dupont'); accents NOT folded ('Helene Dubois/Acme' misses "
                  "'Hélène Dubois/Acme')"),
    (True, True, "case folded ('rENE dUPONT' finds 'Rene Dupont'); accents folded ('Helene Dubois/Acme' finds "
                 "'Hélène Dubois/Acme')"),
    (False, True, "case NOT folded ('rENE dUPONT' misses 'Rene Dupont'); accents folded"),
])
def test_name_matching_says_what_a_cn_search_folds(fold_case, fold_accents, says):
    found = _found(domino_delta.name_matching(_Directory(NAMES, fold_case, fold_accents), BASE))
    assert found.startswith(says), found
    assert found.endswith('would need both folded, as the planner compares names'), found


def test_name_matching_stops_reading_at_the_first_accented_name():
    directory = _Directory(NAMES + [_person(i) for i in range(100)])
    domino_delta.name_matching(directory, BASE)
    assert directory.read == 2


def test_a_site_without_an_accented_name_cannot_answer_for_accents():
    directory = _Directory([_person(i) for i in range(5)])
    found = _found(domino_delta.name_matching(directory, BASE))
    assert found.startswith("case folded ('pERSON 0' finds 'Person 0'); accents not tried: no Person with an accented "
                            "common name"), found
    assert directory.read == 5


def test_a_refused_cn_filter_is_an_answer_not_a_failure():
    found = _found(domino_delta.name_matching(_Directory(NAMES, refuses=True), BASE))
    assert found.startswith('a cn filter was refused (unwilling to perform)'), found


@pytest.mark.parametrize('name, plain', [
    ('René Dupont', 'Rene Dupont'), ('Zoë', 'Zoe'), ('ÅSA', 'ASA'), ('Çelik', 'Celik'),
    ('Rene Dupont', ''),             # nothing to take off
    ('Søren', ''),                   # ø is a letter of its own in Unicode, no mark: not an accent to try
    ('王伟', ''), ('Ирина', ''),
    ('ﬁnn Müller', 'ﬁnn Muller'),   # the marks only: a ligature is no accent, it stays
])
def test_without_accents_takes_off_the_marks_only(name, plain):
    assert domino_delta.without_accents(name) == plain


def test_persons_that_cannot_be_read_are_information_not_a_failure():
    directory = _Directory(STAMPED + NAMES, refuses='reads')
    assert _found(domino_delta.change_time(directory, BASE)) == \
        'not asked: the Persons could not be read (size limit exceeded)'
    assert _found(domino_delta.name_matching(directory, BASE)) == \
        'not asked: the Persons could not be read (size limit exceeded)'
