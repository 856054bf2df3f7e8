# Shared by the role's scripts: open the Exchange session the variables name. Every value
# arrives as a parameter (data), never as script text.
function Connect-CoexistExchange {
    param([string]$Platform, [string]$Connection, [string]$ConnectionUri, [string]$AppId,
          [string]$Organization, [string]$CertificateThumbprint)
    if ($Platform -eq 'online') {
        Import-Module ExchangeOnlineManagement -ErrorAction Stop
        Connect-ExchangeOnline -AppId $AppId -Organization $Organization `
            -CertificateThumbprint $CertificateThumbprint -ShowBanner:$false -ErrorAction Stop
    }
    elseif ($Connection -eq 'remote') {
        $session = New-PSSession -ConfigurationName Microsoft.Exchange -ConnectionUri $ConnectionUri `
            -Authentication Kerberos -ErrorAction Stop
        Import-PSSession $session -DisableNameChecking -AllowClobber | Out-Null
    }
    else {
        Add-PSSnapin Microsoft.Exchange.Management.PowerShell.SnapIn -ErrorAction Stop
    }
}
