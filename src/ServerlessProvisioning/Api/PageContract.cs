using System.Globalization;
using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using ServerlessProvisioning.Matching;
using ServerlessProvisioning.Primitives;
using ServerlessProvisioning.Provisioning;

namespace ServerlessProvisioning.Api;

/// <summary>
/// What the pages must know of the server, rendered from the C# that defines it as one ES module,
/// <c>Web/wwwroot/assets/contract.js</c>, which the wizard, the approval page and the console import: the stages with
/// their traits, the outcomes, why a link answers 410, why a code is dead, how an approval ends, the audit actions and
/// the field limits. The pages have no build step, so the module is checked in; a test fails when it differs from
/// <see cref="Render"/>, and another when any of its values has no label in <c>assets/i18n.js</c>.
/// </summary>
public static partial class PageContract
{
    /// <summary>The module's path under <c>Web/wwwroot</c>, which is also its address on both hosts.</summary>
    public const string Path = "assets/contract.js";

    /// <summary>The command that rewrites the checked-in module from the code.</summary>
    public const string UpdateCommand = "UPDATE_CONTRACT=1 dotnet test tests/ServerlessProvisioning.UnitTests --filter PageContract";

    // Each trait of a stage, as the pages name it, with the rule that decides it.
    static readonly (string Name, string Meaning, Func<ProvisioningStage, bool> Has)[] StageTraits =
    [
        ("final", "the workflow has ended", Stages.IsFinal),
        ("changeable", "the company details can still be sent, or changed", Stages.TakesSubmission),
        ("cancellable", "an operator may cancel", Stages.IsCancellable),
        ("invitationResendable", "an operator may resend or redirect the invitation", Stages.TakesInvitationResend),
        ("deadlineMovable", "an operator may move the deadline of what the order waits for", Stages.TakesDeadlineChange),
        ("reopenable", "an operator may reopen the order", Stages.IsReopenable),
    ];

    /// <summary>The module's text.</summary>
    public static string Render()
    {
        var js = new StringBuilder();
        js.Append("// What the pages must know of the server, generated from the C# by ServerlessProvisioning.Api.PageContract.\n")
            .Append("// Do not edit: change the C# and run `").Append(UpdateCommand).Append("`.\n")
            .Append("// Every stage, outcome, gone reason, decision and audit action here has a label in i18n.js in both languages.\n");

        js.Append("\n/**\n * Every stage, in workflow order (").Append(nameof(ProvisioningStage)).Append("), with its traits (").Append(nameof(Stages)).Append("):\n");
        foreach (var (name, meaning, _) in StageTraits)
        {
            js.Append(" * - ").Append(name).Append(": ").Append(meaning).Append(".\n");
        }

        js.Append(" */\nexport const stages = Object.freeze({\n");
        foreach (var stage in Enum.GetValues<ProvisioningStage>())
        {
            var traits = string.Join(", ", StageTraits.Select(t => $"{t.Name}: {(t.Has(stage) ? "true" : "false")}"));
            js.Append("  ").Append(Identifier(Json.NameOf(stage))).Append(": Object.freeze({ ").Append(traits).Append(" }),\n");
        }

        js.Append("});\n");
        AppendList<ProvisioningOutcome>(js, "outcomes", "How an order ended: its `outcome`");
        AppendList<LinkGoneReason>(js, "goneReasons", "Why a link answers 410: the problem's `reason`");
        AppendList<LimitReason>(js, "limitReasons", "Why a command answers 429: the problem's `reason`");
        AppendList<CodeDeadReason>(js, "codeDeadReasons", "Why an emailed code no longer works: the `reason` of the 400 with `attemptsLeft: 0`");
        AppendList<ApprovalEnd>(js, "approvalDecisions", "How an approval request ended: the approval's `decision`");
        AppendList<AuditAction>(js, "auditActions", "Every action an order's audit trail records: `audit[].action`");

        js.Append("\n/** The longest value of each field, in characters, and the digits of a verification code (")
            .Append(nameof(FieldLimits)).Append("). */\nexport const limits = Object.freeze({\n");
        foreach (var limit in typeof(FieldLimits).GetFields(BindingFlags.Public | BindingFlags.Static).Where(f => f.IsLiteral).OrderBy(f => f.Name, StringComparer.Ordinal))
        {
            js.Append("  ").Append(Identifier(JsonNamingPolicy.CamelCase.ConvertName(limit.Name))).Append(": ")
                .Append(((int)limit.GetRawConstantValue()!).ToString(CultureInfo.InvariantCulture)).Append(",\n");
        }

        js.Append("});\n");
        js.Append("\n/** What stands for the hidden part of a candidate administrator's masked address (")
            .Append(nameof(AdminAddressDisclosure)).Append("): such an address is not one to write to. */\n")
            .Append("export const hiddenAddressPart = '").Append(AdminAddressDisclosure.Hidden).Append("';\n");
        return js.ToString();
    }

    // An enum's members as JSON names them, one per line.
    static void AppendList<TEnum>(StringBuilder js, string name, string meaning)
        where TEnum : struct, Enum
    {
        js.Append("\n/** ").Append(meaning).Append(" (").Append(typeof(TEnum).Name).Append("). */\nexport const ").Append(name).Append(" = Object.freeze([\n");
        foreach (var member in Enum.GetValues<TEnum>())
        {
            js.Append("  '").Append(Identifier(Json.NameOf(member))).Append("',\n");
        }

        js.Append("]);\n");
    }

    // The contract holds names, never prose: a name that is not a plain identifier would need quoting rules it does not have.
    static string Identifier(string name) =>
        PlainName().IsMatch(name) ? name : throw new InvalidOperationException($"'{name}' is not a plain name for contract.js.");

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9]*$")]
    private static partial Regex PlainName();
}
