using ServerlessProvisioning.Matching;

namespace ServerlessProvisioning.UnitTests.Matching;

public class NewAdminPolicyTests
{
    [Theory]
    [InlineData(ProvisioningScenario.PartnerForCustomer, false, false, NewAdminAction.AssignAndRequestAdminAddition)]
    [InlineData(ProvisioningScenario.CustomerSelf, false, false, NewAdminAction.RequireApproval)]
    [InlineData(ProvisioningScenario.PartnerSelf, false, false, NewAdminAction.RequireApproval)]
    [InlineData(ProvisioningScenario.PartnerForCustomer, false, true, NewAdminAction.Assign)]
    [InlineData(ProvisioningScenario.CustomerSelf, false, true, NewAdminAction.Assign)]
    [InlineData(ProvisioningScenario.PartnerSelf, false, true, NewAdminAction.Assign)]
    [InlineData(ProvisioningScenario.PartnerForCustomer, true, false, NewAdminAction.Assign)]
    [InlineData(ProvisioningScenario.CustomerSelf, true, false, NewAdminAction.Assign)]
    [InlineData(ProvisioningScenario.PartnerSelf, true, false, NewAdminAction.Assign)]
    public void Existing_organizations_never_gain_an_admin_without_their_admin(ProvisioningScenario scenario, bool createsNew, bool alreadyAdmin, NewAdminAction expected) =>
        Assert.Equal(expected, NewAdminPolicy.Decide(scenario, createsNew, alreadyAdmin));

    [Theory]
    [InlineData(ProvisioningScenario.PartnerSelf, OrganizationType.Partner)]
    [InlineData(ProvisioningScenario.CustomerSelf, OrganizationType.Customer)]
    [InlineData(ProvisioningScenario.PartnerForCustomer, OrganizationType.Customer)]
    public void New_organizations_take_their_type_from_the_scenario(ProvisioningScenario scenario, OrganizationType type) =>
        Assert.Equal(type, NewAdminPolicy.OrganizationTypeFor(scenario));
}
