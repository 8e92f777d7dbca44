using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace ServerlessProvisioning.Bench;

/// <summary>
/// CPU time of the processes behind a measurement (Linux only), to tell which one a throughput is bound by:
/// a process found by the loopback port it listens on, its user + system time read from /proc.
/// </summary>
internal static partial class ProcessCpu
{
    // USER_HZ: the unit of /proc/[pid]/stat times on every mainstream Linux.
    const double TicksPerSecond = 100;

    /// <summary>The process listening on a port, or null when it cannot be told.</summary>
    public static int? ListeningOn(int port)
    {
        try
        {
            var info = new ProcessStartInfo("ss", ["-ltnpH", $"sport = :{port.ToString(CultureInfo.InvariantCulture)}"]) { RedirectStandardOutput = true, UseShellExecute = false };
            using var ss = Process.Start(info)!;
            var output = ss.StandardOutput.ReadToEnd();
            ss.WaitForExit();
            var match = PidPattern().Match(output);
            return match.Success ? int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }

    /// <summary>User + system CPU seconds a process has used, or null.</summary>
    public static double? Seconds(int? pid)
    {
        if (pid is null)
        {
            return null;
        }

        try
        {
            var stat = File.ReadAllText($"/proc/{pid.Value.ToString(CultureInfo.InvariantCulture)}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / TicksPerSecond;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            return null;
        }
    }

    [GeneratedRegex(@"pid=(\d+)")]
    private static partial Regex PidPattern();
}
