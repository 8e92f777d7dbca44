using System.Security.Cryptography;
using System.Text;

namespace ServerlessProvisioning.Provisioning.Activities;

/// <summary>A code the contact entered for one round of one order.</summary>
public sealed record VerificationCheck(string InstanceId, int Round, string AdminEmail, string Code);

/// <summary>Whether the entered code is the one sent (compared in constant time; the workflow counts the attempts).</summary>
public sealed class CheckVerificationCode(LinkTokens tokens) : WorkflowActivity<VerificationCheck, bool>
{
    /// <inheritdoc/>
    public override Task<bool> RunAsync(VerificationCheck input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        var expected = Encoding.ASCII.GetBytes(tokens.VerificationCode(input.InstanceId, input.Round, input.AdminEmail));
        var entered = Encoding.UTF8.GetBytes(input.Code.Trim());
        return Task.FromResult(CryptographicOperations.FixedTimeEquals(expected, entered));
    }
}
