using ServerlessProvisioning.DevTools;

namespace ServerlessProvisioning.Bench;

/// <summary>
/// The benchmark's storage: Azurite exactly as package.json pins it and the local host and CI run it, in memory.
/// Node options reach it through the environment, which <see cref="AzuriteProcess"/> passes on.
/// </summary>
internal static class Emulator
{
    // Azurite keeps every entity in memory; 100k organizations are about a million entities, more than node's default heap.
    const string Heap = "--max-old-space-size=12288";

    /// <summary>Says which storage the numbers come from.</summary>
    public static string Description => "Azurite as pinned in package.json (in memory, one node process)";

    /// <summary>Sets the node options of the Azurite processes started from now on.</summary>
    public static void Configure() => Environment.SetEnvironmentVariable("NODE_OPTIONS", Heap);
}
