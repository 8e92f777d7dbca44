using ServerlessProvisioning.Organizations;

namespace ServerlessProvisioning.DevServer.Durable;

/// <summary>
/// The local counterpart of the nightly ExportDirectory timer: writes the day's export to the archive container of
/// the host's storage (Azurite's blob service) once at start, so a newcomer finds one at once, and then daily; a
/// second run on the same day writes nothing.
/// </summary>
public sealed class DirectoryBackupService(DirectoryBackup backup, ILogger<DirectoryBackupService> logger) : BackgroundService
{
    /// <inheritdoc/>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromHours(1));
        do
        {
            try
            {
                // Hourly checks, not a daily timer: the first check after midnight UTC writes the new day's export.
                await backup.RunAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning(e, "Exporting the directory to the archive failed; the next run tries again");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
