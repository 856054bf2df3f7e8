"""The lab AD's names: realm, host, the DNs of its OUs, accounts and Exchange objects, its lab
passwords, and the values Exchange stamps on recipients. One place, so the server, the schema,
the seed and the bulk loader agree."""
from __future__ import annotations

REALM = 'CORP.EXAMPLE.COM'
NETBIOS_DOMAIN = 'CORP'
HOST = 'dc1'
FQDN = 'dc1.corp.example.com'
BASE_DN = 'DC=corp,DC=example,DC=com'
CONFIG_DN = f'CN=Configuration,{BASE_DN}'
SCHEMA_DN = f'CN=Schema,{CONFIG_DN}'
UPN_SUFFIX = 'corp.example.com'

SERVICE_OU = f'OU=Service,{BASE_DN}'
MAILBOX_OU = f'OU=Exchange Users,{BASE_DN}'
MAILBOX_SUB_OU = f'OU=Berlin,{MAILBOX_OU}'           # a sub-OU: mailbox_bases are subtrees
CONTACTS_OU = f'OU=Domino Contacts,{BASE_DN}'
OTHER_USERS_OU = f'OU=Other Users,{BASE_DN}'
EXTERNAL_CONTACTS_OU = f'OU=External Contacts,{BASE_DN}'

ADMIN_DN = f'CN=Administrator,CN=Users,{BASE_DN}'
SYNC_ACCOUNT = 'svc-coexist'
SYNC_DN = f'CN={SYNC_ACCOUNT},{SERVICE_OU}'
DC_ACCOUNT = 'DC1$'

# Fixed lab passwords: Samba's complexity rule wants three of upper, lower, digit, symbol and
# no part of the account name. They guard nothing: the lab listens on loopback only.
ADMIN_PASSWORD = 'Lab-Admin-Pass-1'
SYNC_PASSWORD = 'Lab-Sync-Pass-1'

EXCHANGE_ORG = 'Example Corp'
EXCHANGE_DN = f'CN=Microsoft Exchange,CN=Services,{CONFIG_DN}'
ORG_DN = f'CN={EXCHANGE_ORG},{EXCHANGE_DN}'
ADDRESS_LISTS_DN = f'CN=Address Lists Container,{ORG_DN}'
GAL_DN = f'CN=Default Global Address List,CN=All Global Address Lists,{ADDRESS_LISTS_DN}'
ALL_ADDRESS_LISTS_DN = f'CN=All Address Lists,{ADDRESS_LISTS_DN}'
ALL_USERS_DN = f'CN=All Users,{ALL_ADDRESS_LISTS_DN}'
ALL_CONTACTS_DN = f'CN=All Contacts,{ALL_ADDRESS_LISTS_DN}'
ADMIN_GROUP_NAME = 'Exchange Administrative Group (FYDIBOHF23SPDLT)'
ADMIN_GROUP_DN = f'CN={ADMIN_GROUP_NAME},CN=Administrative Groups,{ORG_DN}'
DATABASE_DN = f'CN=Mailbox Database 0815471142,CN=Databases,{ADMIN_GROUP_DN}'
TRANSPORT_DN = f'CN=Transport Settings,{ORG_DN}'
ACCEPTED_DOMAINS_DN = f'CN=Accepted Domains,{TRANSPORT_DN}'
ROUTING_GROUP_DN = f'CN=Exchange Routing Group (DWBGZMFD01QNBJR),CN=Routing Groups,{ADMIN_GROUP_DN}'
CONNECTIONS_DN = f'CN=Connections,{ROUTING_GROUP_DN}'
# A string, not a DN: Exchange stores the server's legacy DN here.
HOME_SERVER = f'/o={EXCHANGE_ORG}/ou={ADMIN_GROUP_NAME}/cn=Configuration/cn=Servers/cn=EX01'
LEGACY_ADMIN_GROUP = 'First Administrative Group'     # Exchange 2003's default name
LEGACY_HOME_SERVER = f'/o={EXCHANGE_ORG}/ou={LEGACY_ADMIN_GROUP}/cn=Configuration/cn=Servers/cn=EX2003'

# msExchVersion as Exchange 2013 and later stamp it (vendor facts; the collection's default),
# and the Exchange 2010 value seen on older objects.
MSEXCH_VERSION_2013 = 88218628259840
MSEXCH_VERSION_2010 = 44220983382016
# The address-policy exclusion GUID (vendor facts, EmailAddressPolicy.PolicyGuid).
EAP_DISABLED = '{26491cfc-9e50-4857-861b-0cb8df22b5d7}'
# The adminDescription on the one foreign contact that carries a marker, but not the sync's.
FOREIGN_MARKER = 'galsync:partner-forest'

# msExchRecipientTypeDetails values (vendor facts X-3) and the msExchRecipientDisplayType
# Exchange stamps with each (enum values from vendor facts X-3; which one goes with which
# mailbox kind is the usual Exchange 2010+ stamping).
RTD = {'user': 1, 'linked': 2, 'shared': 4, 'room': 16, 'equipment': 32, 'contact': 64,
       'mail_user': 128, 'group': 256, 'arbitration': 8388608, 'discovery': 536870912,
       'remote': 2147483648, 'security': 1024, 'dynamic': 2048}
DISPLAY_TYPE = {'user': 1073741824, 'linked': 1073741824, 'shared': 0, 'room': 7, 'equipment': 8,
                'contact': 6, 'mail_user': 6, 'group': 1, 'arbitration': 10, 'discovery': 0,
                'remote': -2147483642, 'security': 1073741833, 'dynamic': 3}
UAC_ENABLED = 0x200 | 0x10000      # NORMAL_ACCOUNT | DONT_EXPIRE_PASSWORD
UAC_DISABLED = UAC_ENABLED | 0x2    # + ACCOUNTDISABLE
