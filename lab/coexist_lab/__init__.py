"""The coexist.domino_exchange lab: a Samba AD DC with Exchange's schema and an OpenLDAP
server that stands in for the Domino Directory's LDAP service, both on loopback.

Not part of the collection (build_ignore): it exists so the demo and the tests run against
real directory servers. ``python -m coexist_lab --help`` lists the commands.
"""
