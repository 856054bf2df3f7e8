"""Exchange in the lab AD: its schema extension (attributes and classes under their real OIDs
where public, lab OIDs otherwise) and its configuration tree (the organisation, address lists,
administrative group, database, and the routing with Domino as the last hop, as Exchange 2007+
and Exchange 2003 store it)."""
from __future__ import annotations

from .. import common
from .names import (ACCEPTED_DOMAINS_DN, ADDRESS_LISTS_DN, ADMIN_GROUP_DN, ALL_ADDRESS_LISTS_DN, ALL_CONTACTS_DN,
                    ALL_USERS_DN, CONNECTIONS_DN, DATABASE_DN, EXCHANGE_DN, GAL_DN, MSEXCH_VERSION_2010, MSEXCH_VERSION_2013,
                    ORG_DN,
                    ROUTING_GROUP_DN, SCHEMA_DN, TRANSPORT_DN, UPN_SUFFIX)

# Attribute syntaxes: (attributeSyntax, oMSyntax).
_SYNTAX = {
    'unicode': ('2.5.5.12', 64),
    'dn': ('2.5.5.1', 127),
    'int': ('2.5.5.9', 2),
    'large': ('2.5.5.16', 65),
    'bool': ('2.5.5.8', 1),
}
# OIDs below 1.3.6.1.4.1.32473 (the documentation enterprise number, RFC 5612) stand in where
# Exchange's real OID is not known from a public source. They are lab-only: no real schema
# carries them, and the collection must never depend on an OID, only on lDAPDisplayNames.
LAB_OID_ARC = '1.3.6.1.4.1.32473.7'
# (lDAPDisplayName, cn, attributeID, syntax, single-valued, rangeLower, rangeUpper, indexed)
_ATTRIBUTES = [
    ('mailNickname', 'ms-Exch-Mail-Nickname', '1.2.840.113556.1.2.447', 'unicode', True, 1, 64, True),
    ('targetAddress', 'ms-Exch-Target-Address', '1.2.840.113556.1.2.352', 'unicode', True, 1, 1123, True),
    ('homeMDB', 'ms-Exch-Home-MDB', '1.2.840.113556.1.2.244', 'dn', True, None, None, False),
    ('msExchHomeServerName', 'ms-Exch-Home-Server-Name', '1.2.840.113556.1.4.7000.102.47',
     'unicode', True, None, None, False),
    ('msExchRecipientTypeDetails', 'ms-Exch-Recipient-Type-Details', '1.2.840.113556.1.4.7000.102.50855',
     'large', True, None, None, False),
    ('msExchRecipientDisplayType', 'ms-Exch-Recipient-Display-Type', '1.2.840.113556.1.4.7000.102.50730',
     'int', True, None, None, False),
    ('msExchHideFromAddressLists', 'ms-Exch-Hide-From-Address-Lists', '1.2.840.113556.1.4.7000.102.73',
     'bool', True, None, None, False),
    ('msExchPoliciesExcluded', 'ms-Exch-Policies-Excluded', '1.2.840.113556.1.4.7000.102.50051',
     'unicode', False, None, None, False),
    # msExchVersion: its real attributeID was not found in a public source; lab OID.
    ('msExchVersion', 'ms-Exch-Version', f'{LAB_OID_ARC}.1.1', 'large', True, None, None, False),
    # Routing in the configuration partition (vendor facts ): accepted domains and send
    # connectors. Their attributeIDs were not found in a public source: lab OIDs.
    ('msExchAcceptedDomainName', 'ms-Exch-Accepted-Domain-Name', f'{LAB_OID_ARC}.1.2', 'unicode', True, None, None,
     False),
    ('msExchAcceptedDomainFlags', 'ms-Exch-Accepted-Domain-Flags', f'{LAB_OID_ARC}.1.3', 'int', True, None, None,
     False),
    ('routingList', 'Routing-List', f'{LAB_OID_ARC}.1.4', 'unicode', False, None, None, False),
    ('msExchSmtpSmartHost', 'ms-Exch-Smtp-Smart-Host', f'{LAB_OID_ARC}.1.5', 'unicode', True, None, None, False),
    # Exchange 2000/2003 recipient policies (vendor facts ): address templates, the disabled
    # ones, the non-authoritative domains, the priority. attributeIDs not found in a public
    # source: lab OIDs.
    ('gatewayProxy', 'ms-Exch-Gateway-Proxy', f'{LAB_OID_ARC}.1.6', 'unicode', False, None, None, False),
    ('disabledGatewayProxy', 'ms-Exch-Disabled-Gateway-Proxy', f'{LAB_OID_ARC}.1.7', 'unicode', False, None, None,
     False),
    ('msExchNonAuthoritativeDomains', 'ms-Exch-Non-Authoritative-Domains', f'{LAB_OID_ARC}.1.8', 'unicode', False,
     None, None, False),
    ('msExchPolicyOrder', 'ms-Exch-Policy-Order', f'{LAB_OID_ARC}.1.9', 'int', True, None, None, False),
    # A dynamic distribution group's LDAP filter and the container it applies to (vendor facts
    # X-9); attributeIDs not found in a public source: lab OIDs.
    ('msExchDynamicDLFilter', 'ms-Exch-Dynamic-DL-Filter', f'{LAB_OID_ARC}.1.10', 'unicode', True, None, None, False),
    ('msExchDynamicDLBaseDN', 'ms-Exch-Dynamic-DL-BaseDN', f'{LAB_OID_ARC}.1.11', 'dn', True, None, None, False),
] + [
    # extensionAttribute1-10 are 1.2.840.113556.1.2.423-432, 11-15 are .599-603; 1-1024 chars.
    (f'extensionAttribute{n}', f'ms-Exch-Extension-Attribute-{n}',
     f'1.2.840.113556.1.2.{422 + n if n <= 10 else 588 + n}', 'unicode', True, 1, 1024, False)
    for n in range(1, 16)
]

# Base-schema attributes Exchange's schema preparation puts in the Global Catalog (vendor facts ).
EXCHANGE_ADDS_TO_GC = ('Proxy-Addresses', 'Show-In-Address-Book')

# (lDAPDisplayName, cn, governsID, objectClassCategory (1 structural, 3 auxiliary), subClassOf)
_CLASSES = [
    ('msExchBaseClass', 'ms-Exch-Base-Class', '1.2.840.113556.1.5.7000.62.14', 3, 'top'),
    ('msExchOrganizationContainer', 'ms-Exch-Organization-Container',
     '1.2.840.113556.1.5.7000.62.50020', 1, 'top'),
    ('msExchContainer', 'ms-Exch-Container', '1.2.840.113556.1.5.7000.62.50010', 1, 'top'),
    ('msExchAdminGroupContainer', 'ms-Exch-Admin-Group-Container',
     '1.2.840.113556.1.5.7000.62.50019', 1, 'top'),
    ('msExchAdminGroup', 'ms-Exch-Admin-Group', '1.2.840.113556.1.5.7000.62.50011', 1, 'top'),
    # The mailbox database that homeMDB points at. Exchange's class has this name, but its
    # governsID was not found in a public source: lab OID.
    ('msExchPrivateMDB', 'ms-Exch-Private-MDB', f'{LAB_OID_ARC}.2.1', 1, 'top'),
    # An accepted domain and a send connector (vendor facts ); governsIDs not public: lab OIDs.
    ('msExchAcceptedDomain', 'ms-Exch-Accepted-Domain', f'{LAB_OID_ARC}.2.2', 1, 'top'),
    ('msExchRoutingSMTPConnector', 'ms-Exch-Routing-SMTP-Connector', f'{LAB_OID_ARC}.2.3', 1, 'top'),
    # An Exchange 2000/2003 recipient policy (vendor facts ); governsID not public: lab OID.
    ('msExchRecipientPolicy', 'ms-Exch-Recipient-Policy', f'{LAB_OID_ARC}.2.4', 1, 'top'),
    # An Exchange server (vendor facts: its serialNumber names its version); lab OID.
    ('msExchExchangeServer', 'ms-Exch-Exchange-Server', f'{LAB_OID_ARC}.2.5', 1, 'top'),
    # A dynamic distribution group (Exchange 2003 "query-based"; vendor facts X-9): its own
    # structural class, not a group, with the mail recipient auxiliary class as users, contacts and
    # groups have. governsID not found in a public source: lab OID.
    ('msExchDynamicDistributionList', 'ms-Exch-Dynamic-Distribution-List', f'{LAB_OID_ARC}.2.6', 1, 'top'),
]
# What the new structural classes may hold besides cn, displayName and msExchVersion.
_CLASS_MAY = {
    'msExchAcceptedDomain': ['msExchAcceptedDomainName', 'msExchAcceptedDomainFlags'],
    'msExchRoutingSMTPConnector': ['routingList', 'msExchSmtpSmartHost'],
    'msExchRecipientPolicy': ['gatewayProxy', 'disabledGatewayProxy', 'msExchNonAuthoritativeDomains',
                              'msExchPolicyOrder'],
    'msExchExchangeServer': ['serialNumber', 'versionNumber'],
    'msExchDynamicDistributionList': ['msExchDynamicDLFilter', 'msExchDynamicDLBaseDN', 'mail', 'proxyAddresses',
                                      'legacyExchangeDN'],
}
# Auxiliary classes of the new structural classes, besides msExchBaseClass.
_CLASS_AUX = {'msExchDynamicDistributionList': ['mailRecipient']}
# The default security descriptor of recipient classes: without one, Samba gives new objects only
# the inherited ACEs, and nobody but the administrators could read a dynamic group. Authenticated
# users read it, as they read users and groups (Windows' defaults for those classes); Exchange's
# exact value for this class was not found in a public source.
_CLASS_SD = {'msExchDynamicDistributionList': 'D:(A;;RPWPCRCCDCLCLORCWOWDSDDTSW;;;DA)'
                                              '(A;;RPWPCRCCDCLCLORCWOWDSDDTSW;;;SY)(A;;RPLCLORC;;;AU)'}
# The routing the lab's Exchange has (architecture.rst "Routing design", Domino the last hop): the shared
# domain InternalRelay, the Exchange routing domain Authoritative, a send connector to Domino for
# the Domino routing domain and the shared domain. Flags: vendor facts X-1.5 (type in bits 0-1).
ACCEPTED_DOMAINS = [('example.com', 2), ('exchange.example.com', 0)]
SEND_CONNECTOR = ('To Domino', ['SMTP:domino.example.com;1', 'SMTP:example.com;1'], 'domino1.example.com')
# The same routing as Exchange 2003 keeps it in recipient policies (vendor facts ). The
# Default Policy's primary address cannot be made non-authoritative, so the shared domain is
# the primary of a second policy above it, non-authoritative there too (aa997194 "Scenario 1",
# bb124073); the Default Policy gets an internal-only primary (the AD domain). Values of
# msExchNonAuthoritativeDomains are address templates like those of gatewayProxy (a public
# script compares the two lists value by value). (name, gatewayProxy, msExchNonAuthoritativeDomains,
# msExchPolicyOrder): the Default Policy has the lowest priority, 2147483647.
RECIPIENT_POLICIES_DN = f'CN=Recipient Policies,{ORG_DN}'
RECIPIENT_POLICIES = [
    ('Default Policy', [f'SMTP:@{UPN_SUFFIX}', 'smtp:@example.com', 'smtp:@exchange.example.com'],
     ['smtp:@example.com'], 2147483647),
    ('Shared example.com', ['SMTP:@example.com', 'smtp:@exchange.example.com'], ['SMTP:@example.com'], 1),
]
# The organisation's Exchange servers (vendor facts ): an Exchange 2016 server and one
# Exchange 2010 server left from the migration, so msexch_version auto finds 2010 (the tests
# delete EX2010 for the other outcome). (name, serialNumber, msExchVersion)
SERVERS_DN = f'CN=Servers,{ADMIN_GROUP_DN}'
EXCHANGE_SERVERS = [('EX01', 'Version 15.1 (Build 2507.6)', MSEXCH_VERSION_2013),
                    ('EX2010', 'Version 14.3 (Build 123.4)', MSEXCH_VERSION_2010)]
# Where each configuration class may live (possSuperiors), as the tree below needs it.
_POSS_SUPERIORS = {
    'msExchOrganizationContainer': ['msExchConfigurationContainer'],
    'msExchContainer': ['msExchOrganizationContainer', 'msExchContainer', 'msExchAdminGroup'],
    'msExchAdminGroupContainer': ['msExchOrganizationContainer'],
    'msExchAdminGroup': ['msExchAdminGroupContainer'],
    'msExchPrivateMDB': ['msExchContainer'],
    'msExchAcceptedDomain': ['msExchContainer'],
    'msExchRoutingSMTPConnector': ['msExchContainer'],
    'msExchRecipientPolicy': ['msExchContainer'],
    'msExchExchangeServer': ['msExchContainer'],
    'addressBookContainer': ['msExchContainer'],      # Samba's base schema class, extended
    'msExchDynamicDistributionList': ['organizationalUnit', 'container', 'domainDNS'],
}


def extend(ad) -> None:
    """Add Exchange's attributes and classes, offline, before the first start.

    Three separate ldbmodify calls, because Samba refuses a schema object that refers to an
    attribute or class added in the same call ("contains at least one invalid value"), even
    with a schemaUpdateNow in between (lab notes): (1) the attributes; (2) the classes, and
    the existing classes that now use the new attributes; (3) references between classes
    (possSuperiors, auxiliaryClass), new ones included.
    """
    common.log('ad: Exchange schema extension (3 ldbmodify calls)')
    blocks = []
    for lname, cn, oid, syntax, single, lower, upper, indexed in _ATTRIBUTES:
        a_syntax, om_syntax = _SYNTAX[syntax]
        lines = [f'dn: CN={cn},{SCHEMA_DN}', 'changetype: add', 'objectClass: top',
                 'objectClass: attributeSchema', f'cn: {cn}', f'lDAPDisplayName: {lname}',
                 f'adminDisplayName: {lname}', f'attributeID: {oid}',
                 f'attributeSyntax: {a_syntax}', f'oMSyntax: {om_syntax}',
                 f'isSingleValued: {"TRUE" if single else "FALSE"}',
                 f'searchFlags: {1 if indexed else 0}',
                 # Exchange puts its recipient attributes in the Global Catalog (Samba's
                 # single-DC GC returns every attribute anyway, measured).
                 'isMemberOfPartialAttributeSet: TRUE']
        if lower is not None:
            lines.append(f'rangeLower: {lower}')
        if upper is not None:
            lines.append(f'rangeUpper: {upper}')
        blocks.append('\n'.join(lines))
    # Windows' base schema keeps proxyAddresses and showInAddressBook out of the Global Catalog
    # ("In Global Catalog: False"); Exchange's schema preparation adds them to the partial
    # attribute set, so recipients' addresses are read forest-wide (vendor facts X-6.1).
    for cn in EXCHANGE_ADDS_TO_GC:
        blocks.append(f'dn: CN={cn},{SCHEMA_DN}\nchangetype: modify\nreplace: isMemberOfPartialAttributeSet\n'
                      'isMemberOfPartialAttributeSet: TRUE\n-')
    ad.ldbmodify('\n\n'.join(blocks) + '\n', 'schema-1-attributes')

    blocks = []
    for lname, cn, oid, category, parent in _CLASSES:
        lines = [f'dn: CN={cn},{SCHEMA_DN}', 'changetype: add', 'objectClass: top',
                 'objectClass: classSchema', f'cn: {cn}', f'lDAPDisplayName: {lname}',
                 f'adminDisplayName: {lname}', f'governsID: {oid}',
                 f'objectClassCategory: {category}', f'subClassOf: {parent}',
                 'rDNAttID: cn', 'mayContain: msExchVersion']
        if category == 1:
            lines += ['mustContain: cn', 'mayContain: displayName']
        lines += [f'mayContain: {a}' for a in _CLASS_MAY.get(lname, [])]
        if lname in _CLASS_SD:
            lines.append(f'defaultSecurityDescriptor: {_CLASS_SD[lname]}')
        blocks.append('\n'.join(lines))
    # User, contact and group all include mailRecipient as an auxiliary class.
    blocks.append('\n'.join([f'dn: CN=Mail-Recipient,{SCHEMA_DN}', 'changetype: modify',
                             'add: mayContain']
                            + [f'mayContain: {a[0]}' for a in _ATTRIBUTES] + ['-']))
    ad.ldbmodify('\n\n'.join(blocks) + '\n', 'schema-2-classes')

    class_cn = {lname: cn for lname, cn, *_unused in _CLASSES}
    class_cn['addressBookContainer'] = 'Address-Book-Container'
    blocks = []
    for lname, superiors in _POSS_SUPERIORS.items():
        blocks.append('\n'.join([f'dn: CN={class_cn[lname]},{SCHEMA_DN}', 'changetype: modify',
                                 'add: possSuperiors']
                                + [f'possSuperiors: {s}' for s in superiors] + ['-']))
    for lname, cn, oid, category, parent in _CLASSES:
        if category == 1:
            aux = ''.join(f'\nauxiliaryClass: {a}' for a in ['msExchBaseClass'] + _CLASS_AUX.get(lname, []))
            blocks.append(f'dn: CN={cn},{SCHEMA_DN}\nchangetype: modify\nadd: auxiliaryClass{aux}\n-')
    ad.ldbmodify('\n\n'.join(blocks) + '\n', 'schema-3-references')


def configuration_objects() -> list[tuple[str, str, dict]]:
    """Exchange's configuration tree as (dn, objectClass, attributes), parents first: each
    object's class must be allowed below its parent's class (possSuperiors), as on a real
    Exchange forest."""
    return [
        (EXCHANGE_DN, 'msExchConfigurationContainer', {}),
        (ORG_DN, 'msExchOrganizationContainer', {'msExchVersion': MSEXCH_VERSION_2013}),
        (ADDRESS_LISTS_DN, 'msExchContainer', {}),
        (f'CN=All Global Address Lists,{ADDRESS_LISTS_DN}', 'msExchContainer', {}),
        (GAL_DN, 'addressBookContainer', {
            'displayName': 'Default Global Address List',
            'purportedSearch': '(&(mailNickname=*)(|(&(objectCategory=person)(objectClass=user)'
                               '(!(homeMDB=*))(!(msExchHomeServerName=*)))(&(objectCategory=person)'
                               '(objectClass=user)(|(homeMDB=*)(msExchHomeServerName=*)))'
                               '(&(objectCategory=person)(objectClass=contact))'
                               '(objectCategory=group)))'}),
        (ALL_ADDRESS_LISTS_DN, 'addressBookContainer', {'displayName': 'All Address Lists'}),
        (ALL_CONTACTS_DN, 'addressBookContainer', {
            'displayName': 'All Contacts',
            'purportedSearch': '(&(mailNickname=*)(objectCategory=person)(objectClass=contact))'}),
        (ALL_USERS_DN, 'addressBookContainer', {
            'displayName': 'All Users',
            'purportedSearch': '(&(mailNickname=*)(objectCategory=person)(objectClass=user))'}),
        (f'CN=Administrative Groups,{ORG_DN}', 'msExchAdminGroupContainer', {}),
        (ADMIN_GROUP_DN, 'msExchAdminGroup', {'msExchVersion': MSEXCH_VERSION_2013}),
        (f'CN=Databases,{ADMIN_GROUP_DN}', 'msExchContainer', {}),
        (DATABASE_DN, 'msExchPrivateMDB', {'msExchVersion': MSEXCH_VERSION_2013}),
        (SERVERS_DN, 'msExchContainer', {}),
    ] + [(f'CN={name},{SERVERS_DN}', 'msExchExchangeServer', {'serialNumber': serial, 'msExchVersion': version})
         for name, serial, version in EXCHANGE_SERVERS] + [
        (TRANSPORT_DN, 'msExchContainer', {}),
        (ACCEPTED_DOMAINS_DN, 'msExchContainer', {}),
        (f'CN=Routing Groups,{ADMIN_GROUP_DN}', 'msExchContainer', {}),
        (ROUTING_GROUP_DN, 'msExchContainer', {}),
        (CONNECTIONS_DN, 'msExchContainer', {}),
    ] + [(f'CN={name},{ACCEPTED_DOMAINS_DN}', 'msExchAcceptedDomain',
          {'msExchAcceptedDomainName': name, 'msExchAcceptedDomainFlags': str(flags)})
         for name, flags in ACCEPTED_DOMAINS] + [
        (f'CN={SEND_CONNECTOR[0]},{CONNECTIONS_DN}', 'msExchRoutingSMTPConnector',
         {'routingList': SEND_CONNECTOR[1], 'msExchSmtpSmartHost': SEND_CONNECTOR[2],
          'msExchVersion': MSEXCH_VERSION_2013}),
        (RECIPIENT_POLICIES_DN, 'msExchContainer', {}),
    ] + [(f'CN={name},{RECIPIENT_POLICIES_DN}', 'msExchRecipientPolicy',
          {'gatewayProxy': templates, 'msExchNonAuthoritativeDomains': non_authoritative,
           'msExchPolicyOrder': str(order)})
         for name, templates, non_authoritative, order in RECIPIENT_POLICIES]
