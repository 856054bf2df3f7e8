# Copyright (c) 2026 coexist.domino_exchange contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations


class ModuleDocFragment:
    """The ``ad`` and ``domino`` options; the spec is plugins/module_utils/module/options.py.

    Written out in full (ansible-test wants literal strings); tests/unit checks that both
    fragments match the argument spec, key by key.
    """

    AD = r'''
options:
  ad:
    description:
      - The Active Directory forest with Exchange, as the playbook variable C(coexist_ad),
        connection and scope.
      - Set it once for a play with C(module_defaults) and C(group/coexist.domino_exchange.ad).
    type: dict
    suboptions:
      server:
        description:
          - URI of the directory server, V(ldaps://host) or V(ldap://host) with O(ad.start_tls=true).
          - Connect by the host name the server certificate names, not by IP address.
          - Falls back to E(COEXIST_AD_SERVER).
        type: str
      bind_dn:
        description:
          - DN of the account to bind as with a simple bind.
          - Falls back to E(COEXIST_AD_BIND_DN).
        type: str
      bind_password:
        description:
          - Password of O(ad.bind_dn). Never printed, diffed or written to a report.
          - Falls back to E(COEXIST_AD_BIND_PASSWORD).
        type: str
      sasl_mech:
        description:
          - V(GSSAPI) binds with Kerberos instead of a password, using the ticket cache named by
            E(KRB5CCNAME) (or a client keytab in E(KRB5_CLIENT_KTNAME)).
          - The URI must name the host of the server's C(ldap/) service principal.
          - Falls back to E(COEXIST_AD_SASL_MECH).
        type: str
        choices: [GSSAPI]
      ca_file:
        description:
          - PEM file of the CA certificates that may sign the server certificate.
          - Each connection gets its own TLS context, so the two directories may use different CAs.
          - Falls back to E(COEXIST_AD_CA_FILE).
        type: path
      validate_certs:
        description:
          - Validate the server certificate and its host name. Turn off only in a throwaway lab.
          - Falls back to E(COEXIST_AD_VALIDATE_CERTS).
        type: bool
        default: true
      start_tls:
        description:
          - Upgrade an V(ldap://) connection with StartTLS before binding.
          - Falls back to E(COEXIST_AD_START_TLS).
        type: bool
        default: false
      allow_plaintext_bind:
        description:
          - Allow a simple bind over an unencrypted V(ldap://) connection. Off by default because it
            sends the password in clear text; AD refuses such binds anyway.
          - Falls back to E(COEXIST_AD_ALLOW_PLAINTEXT_BIND).
        type: bool
        default: false
      timeout:
        description:
          - Seconds one LDAP operation (a bind, one page of a search, one write) may take before the
            run stops with a message naming the server. Protects scheduled runs from a hung server.
          - Falls back to E(COEXIST_AD_TIMEOUT).
        type: int
        default: 60
      connect_timeout:
        description:
          - Seconds to wait for the connection to the server (TCP and the TLS handshake).
          - Falls back to E(COEXIST_AD_CONNECT_TIMEOUT).
        type: int
        default: 10
      connect_retries:
        description:
          - How many more times to try a connection that timed out (TCP, the TLS handshake or the
            bind), 5 seconds after the first attempt and 10 after the second. A domain controller
            busy with a large search can be slow to take a new connection.
          - Refused connections, rejected credentials and certificates are never retried, and no
            operation after the bind is.
          - Falls back to E(COEXIST_AD_CONNECT_RETRIES).
        type: int
        default: 2
      idle_reconnect:
        description:
          - Seconds a connection may sit idle (while the other directory is read) before it is opened
            again and bound anew, ahead of its next search or write. A domain controller closes a
            connection idle longer than its C(MaxConnIdleTime) (900 seconds by default), so the
            default stays below that.
          - The connection is renewed before the request, never after a failed one, so a write is never
            sent twice. V(0) turns it off.
          - Falls back to E(COEXIST_AD_IDLE_RECONNECT).
        type: int
        default: 600
      page_size:
        description:
          - Entries per page of a paged search (AD's MaxPageSize is 1000). V(0) turns paging off.
          - Paging is used only when the server advertises it in its root DSE.
          - Falls back to E(COEXIST_AD_PAGE_SIZE).
        type: int
        default: 1000

      global_catalog:
        description:
          - URI of a Global Catalog server, used for forest-wide address uniqueness.
          - Falls back to E(COEXIST_AD_GLOBAL_CATALOG).
        type: str
      mailbox_bases:
        description:
          - DNs of the containers where Exchange mailboxes live (searched with subtree scope).
        type: list
        elements: str
        default: []
      contacts_ou:
        description:
          - DN of the OU that holds the mail contacts of Domino users. Dedicated to and owned by the sync.
        type: str
'''

    DOMINO = r'''
options:
  domino:
    description:
      - The Domino Directory, reached through the Domino LDAP service, as the playbook variable
        C(coexist_domino), connection and scope.
      - Set it once for a play with C(module_defaults) and C(group/coexist.domino_exchange.domino).
    type: dict
    suboptions:
      server:
        description:
          - URI of the directory server, V(ldaps://host) or V(ldap://host) with O(domino.start_tls=true).
          - Connect by the host name the server certificate names, not by IP address.
          - Falls back to E(COEXIST_DOMINO_SERVER).
        type: str
      bind_dn:
        description:
          - DN of the account to bind as with a simple bind.
          - Falls back to E(COEXIST_DOMINO_BIND_DN).
        type: str
      bind_password:
        description:
          - Password of O(domino.bind_dn). Never printed, diffed or written to a report.
          - Falls back to E(COEXIST_DOMINO_BIND_PASSWORD).
        type: str
      sasl_mech:
        description:
          - V(GSSAPI) binds with Kerberos instead of a password, using the ticket cache named by
            E(KRB5CCNAME) (or a client keytab in E(KRB5_CLIENT_KTNAME)).
          - The URI must name the host of the server's C(ldap/) service principal.
          - Falls back to E(COEXIST_DOMINO_SASL_MECH).
        type: str
        choices: [GSSAPI]
      ca_file:
        description:
          - PEM file of the CA certificates that may sign the server certificate.
          - Each connection gets its own TLS context, so the two directories may use different CAs.
          - Falls back to E(COEXIST_DOMINO_CA_FILE).
        type: path
      validate_certs:
        description:
          - Validate the server certificate and its host name. Turn off only in a throwaway lab.
          - Falls back to E(COEXIST_DOMINO_VALIDATE_CERTS).
        type: bool
        default: true
      start_tls:
        description:
          - Upgrade an V(ldap://) connection with StartTLS before binding.
          - Falls back to E(COEXIST_DOMINO_START_TLS).
        type: bool
        default: false
      allow_plaintext_bind:
        description:
          - Allow a simple bind over an unencrypted V(ldap://) connection. Off by default because it
            sends the password in clear text; AD refuses such binds anyway.
          - Falls back to E(COEXIST_DOMINO_ALLOW_PLAINTEXT_BIND).
        type: bool
        default: false
      timeout:
        description:
          - Seconds one LDAP operation (a bind, one page of a search, one write) may take before the
            run stops with a message naming the server. Protects scheduled runs from a hung server.
          - Falls back to E(COEXIST_DOMINO_TIMEOUT).
        type: int
        default: 60
      connect_timeout:
        description:
          - Seconds to wait for the connection to the server (TCP and the TLS handshake).
          - Falls back to E(COEXIST_DOMINO_CONNECT_TIMEOUT).
        type: int
        default: 10
      connect_retries:
        description:
          - How many more times to try a connection that timed out (TCP, the TLS handshake or the
            bind), 5 seconds after the first attempt and 10 after the second. A Domino server
            busy with a large search can be slow to take a new connection.
          - Refused connections, rejected credentials and certificates are never retried, and no
            operation after the bind is.
          - Falls back to E(COEXIST_DOMINO_CONNECT_RETRIES).
        type: int
        default: 2
      idle_reconnect:
        description:
          - Seconds a connection may sit idle (while the other directory is read) before it is opened
            again and bound anew, ahead of its next search or write. A server or a firewall between may close idle connections; the default stays below AD's 900
            seconds.
          - The connection is renewed before the request, never after a failed one, so a write is never
            sent twice. V(0) turns it off.
          - Falls back to E(COEXIST_DOMINO_IDLE_RECONNECT).
        type: int
        default: 600
      page_size:
        description:
          - Entries per page of a paged search (AD's MaxPageSize is 1000). V(0) turns paging off.
          - Paging is used only when the server advertises it in its root DSE.
          - Falls back to E(COEXIST_DOMINO_PAGE_SIZE).
        type: int
        default: 1000

      mailbox_base:
        description:
          - Search base for Domino mailboxes. Domino has no suffix, so the default V("") searches
            the whole directory, flat names included.
        type: str
        default: ''
      contacts_base:
        description:
          - DN under which Exchange mailboxes become forwarding Person contacts. Must exist.
        type: str
'''

    ACTION_GROUP_AD = r'''
attributes:
  action_group:
    description: Use C(group/coexist.domino_exchange.ad) in C(module_defaults) to set O(ad) once for a play.
    support: full
    membership:
      - coexist.domino_exchange.ad
'''

    ACTION_GROUP_DOMINO = r'''
attributes:
  action_group:
    description: Use C(group/coexist.domino_exchange.domino) in C(module_defaults) to set O(domino) once for a play.
    support: full
    membership:
      - coexist.domino_exchange.domino
'''

    ACTION_GROUP_BOTH = r'''
attributes:
  action_group:
    description:
      - Use C(group/coexist.domino_exchange.ad) and C(group/coexist.domino_exchange.domino) in
        C(module_defaults) to set O(ad) and O(domino) once for a play.
    support: full
    membership:
      - coexist.domino_exchange.ad
      - coexist.domino_exchange.domino
'''
