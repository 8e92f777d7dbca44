namespace ServerlessProvisioning.Matching;

/// <summary>What happens when the chosen organization does not yet have the entered admin (SPEC §1.5).</summary>
public enum NewAdminAction
{
    /// <summary>The entered admin already administers the organization, or it is new: assign.</summary>
    Assign,

    /// <summary>PartnerForCustomer: assign, and ask the existing full admin to add the new admin.</summary>
    AssignAndRequestAdminAddition,

    /// <summary>CustomerSelf and PartnerSelf: pause until the existing full admin approves.</summary>
    RequireApproval,
}

/// <summary>The wizard never adds an administrator to an existing organization by itself.</summary>
public static class NewAdminPolicy
{
    /// <summary>Decides for the scenario, given whether the entered admin already administers the chosen organization.</summary>
    public static NewAdminAction Decide(ProvisioningScenario scenario, bool createsNewOrganization, bool adminAlreadyAdministers)
    {
        if (createsNewOrganization || adminAlreadyAdministers)
        {
            return NewAdminAction.Assign;
        }

        return scenario switch
        {
            ProvisioningScenario.PartnerForCustomer => NewAdminAction.AssignAndRequestAdminAddition,
            ProvisioningScenario.CustomerSelf or ProvisioningScenario.PartnerSelf => NewAdminAction.RequireApproval,
            _ => throw new ArgumentOutOfRangeException(nameof(scenario), scenario, "Unknown scenario."),
        };
    }

    /// <summary>
    /// The type of organization a scenario provisions into: a Partner one when a partner provisions for itself, else
    /// a Customer one. Only organizations of that type are candidates, and a new organization is of that type.
    /// </summary>
    public static OrganizationType OrganizationTypeFor(ProvisioningScenario scenario) =>
        scenario == ProvisioningScenario.PartnerSelf ? OrganizationType.Partner : OrganizationType.Customer;
}
