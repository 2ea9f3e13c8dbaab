using LeeMl.Sweep.Server.Security;
using LeeMl.Sweep.Cluster.Security;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace LeeMl.Sweep.Server.Hosting;

/// <summary>Reads the store's list of revoked tokens every few seconds, so that a token revoked on another coordinator is refused here too.</summary>
internal sealed class TokenRevocationRefresher(TokenRevocations revocations, ILogger<TokenRevocationRefresher> log) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stop)
    {
        var failing = false;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await revocations.Refresh(stop);
                if (failing) log.LogInformation("the list of revoked access tokens is read again");
                failing = false;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // The last list read stays in force; one warning per outage.
                if (!failing) log.LogWarning("cannot read the revoked access tokens from the store: {Cause}", e.GetBaseException().Message);
                failing = true;
            }
            try
            {
                await Task.Delay(TokenRevocations.RefreshEvery, stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
