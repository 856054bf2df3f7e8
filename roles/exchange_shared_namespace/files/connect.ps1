# Shared by the role's scripts: open the Exchange session the variables name, and close it.
# Every value arrives as a parameter (data), never as script text. On premises, Remote PowerShell
# (http://<server>/PowerShell/, Kerberos) is Microsoft's supported way; the snap-in is supported
# for transport-agent cmdlets only and is kept for sites that run the play on an Exchange server.
function Connect-CoexistExchange {
    param([string]$Platform, [string]$Connection, [string]$ConnectionUri, [string]$AppId,
          [string]$Organization, [string]$CertificateThumbprint)
    if ($Platform -eq 'online') {
        Import-Module ExchangeOnlineManagement -ErrorAction Stop
        Connect-ExchangeOnline -AppId $AppId -Organization $Organization `
            -CertificateThumbprint $CertificateThumbprint -ShowBanner:$false -ErrorAction Stop
        return $null
    }
    if ($Connection -eq 'remote') {
        if (-not $ConnectionUri) { throw 'exchange_shared_namespace_connection_uri is empty' }
        $session = New-PSSession -ConfigurationName Microsoft.Exchange -ConnectionUri $ConnectionUri `
            -Authentication Kerberos -ErrorAction Stop
        Import-PSSession $session -DisableNameChecking -AllowClobber | Out-Null
        return $session
    }
    # Exchange 2013 and later name the snap-in SnapIn, Exchange 2010 E2010.
    $snapin = Get-PSSnapin -Registered | Where-Object { $_.Name -like 'Microsoft.Exchange.Management.PowerShell.*' } |
        Select-Object -First 1
    if (-not $snapin) { throw 'no Exchange Management Shell snap-in is registered on this host' }
    Add-PSSnapin $snapin.Name -ErrorAction Stop
    return $null
}

function Disconnect-CoexistExchange {
    param([string]$Platform, $Session)
    if ($Session) { Remove-PSSession $Session -ErrorAction SilentlyContinue }
    if ($Platform -eq 'online') { Disconnect-ExchangeOnline -Confirm:$false -ErrorAction SilentlyContinue }
}
