[assembly: AssemblyFixture(typeof(ServerlessProvisioning.Testing.AzuriteFixture))]
