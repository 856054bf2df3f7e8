"""The lab Domino Directory's names: host and ports, the organisation, the contacts base, the
mail server, the accounts and their lab passwords, the Notes domain and the mailsystem codes. One
place, so the server, the schema, the seed and the bulk loader agree."""
from __future__ import annotations

HOSTNAME = 'domino1.example.com'
LDAP_PORT = 1389
LDAPS_PORT = 1636

ORGANISATION = 'o=Acme'
CONTACTS_BASE = 'ou=Exchange,o=Acme'
MAIL_SERVER_DN = 'cn=Mail1,o=Acme'
SYNC_DN = 'cn=LDAP Sync,o=Acme'
# Lab-only passwords on a loopback server; fixed so a snapshot restored into a fresh
# provision still matches the facts.
SYNC_PASSWORD = 'Lab-Domino-Sync-1'
ADMIN_DN = 'cn=Lab Admin,o=Acme'        # the rootdn: no entry, no ACLs, no limits
ADMIN_PASSWORD = 'Lab-Domino-Admin-1'

NOTES_DOMAIN = 'Acme'                   # maildomain: the Notes domain of the mail server

# mailsystem codes (vendor facts D-3.1): Notes [inferred], Other Internet Mail, None [third-party].
MAILSYSTEM_NOTES = '1'
MAILSYSTEM_OTHER_INTERNET = '5'
MAILSYSTEM_NONE = '100'

# Replication and save conflicts (vendor facts D-4.3): Domino can return two documents, with two
# dominoUNIDs, under one DN. slapd cannot hold two entries with one DN, so the lab stores the
# second document one level down, below ou=<CONFLICTS_OU> under the DN's parent, and slapd's rwm
# overlay presents it under the first one's DN in every search result (schema.py). A write by
# that DN reaches the first document only, one plausible reading of "Domino may apply it to either".
CONFLICTS_OU = 'lab-conflicts'
# Groups below this OU (tests create it) may be read but not changed by the sync account: Group
# documents it has no right to edit (schema.py).
RESTRICTED_GROUPS_OU = 'ou=Restricted,o=Acme'
# A Domino server without paging (vendor facts D-5: HCL documents no paged results control), as
# one account sees it: an account of this DN (tests create it) finds no paged results control in
# the root DSE, has a paged search refused, and reads without the 1000-entry limit, as Domino's
# LDAP service "returns all entries it finds" by default (schema.py).
UNPAGED_DN = 'cn=LDAP Unpaged Reader,o=Acme'
UNPAGED_PASSWORD = 'Lab-Domino-Unpaged-1'
