using System.Diagnostics;

namespace ServerlessProvisioning.Bench;

/// <summary>Latency samples in milliseconds and their percentiles (nearest rank).</summary>
internal sealed class Samples
{
    readonly List<double> values = [];

    /// <summary>How many samples.</summary>
    public int Count => values.Count;

    /// <summary>The sample added <paramref name="index"/>th.</summary>
    public double this[int index] => values[index];

    /// <summary>Adds one sample.</summary>
    public void Add(double milliseconds) => values.Add(milliseconds);

    /// <summary>Times one call and records it.</summary>
    public async Task<T> TimeAsync<T>(Func<Task<T>> action)
    {
        var start = Stopwatch.GetTimestamp();
        var result = await action();
        Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        return result;
    }

    /// <summary>The p-th percentile (0–100) by nearest rank; NaN without samples.</summary>
    public double Percentile(double p)
    {
        if (values.Count == 0)
        {
            return double.NaN;
        }

        var sorted = values.Order().ToArray();
        var rank = (int)Math.Ceiling(p / 100 * sorted.Length);
        return Round(sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)]);
    }

    /// <summary>The median.</summary>
    public double Median => Percentile(50);

    /// <summary>Rounds to hundredths of a millisecond for reporting.</summary>
    public static double Round(double value) => Math.Round(value, 2);
}
