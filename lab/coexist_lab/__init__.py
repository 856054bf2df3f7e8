"""The coexist.domino_exchange lab: a Samba AD DC with Exchange's schema and an OpenLDAP
server that stands in for the Domino Directory's LDAP service, both on loopback.

Not part of the collection (build_ignore): it exists so the demo and the tests run against
real directory servers. ``python -m coexist_lab --help`` lists the commands. An installable
package (lab/pyproject.toml; scripts/bootstrap.sh installs it into .venv, editable).

The parts:

* ``lab``: the lab as a whole (up, down, snapshots, restore, facts, the playbook inventory);
  ``__main__``: its command line; ``common``: paths, commands, /etc/hosts, name pools.
* ``ad``: the Active Directory. ``server`` (Samba: provision, start, stop), ``schema``
  (Exchange's schema extension and configuration tree), ``seed`` (the sample organisation and
  its manifest), ``names`` (DNs, accounts, Exchange values), ``ldapio`` (python-ldap helpers),
  ``gc_front`` (the Global Catalog as Windows serves it: the partial attribute set only).
* ``domino``: the Domino Directory stand-in. ``server`` (slapd: certificates, provision, start,
  stop), ``schema`` (slapd.conf: Domino's schema, root DSE, access rules), ``seed`` (the base
  entries, the sample organisation and its manifest), ``names``.
* ``bulk`` (Domino) and ``bulk_ad`` (AD): thousands of mailboxes for the benchmark, offline or
  over LDAP, and their 1 % change sets; ``bulk_common``: what the two share.
"""
