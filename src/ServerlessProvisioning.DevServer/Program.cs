var builder = WebApplication.CreateBuilder(args);
var app = builder.Build();
app.Run();

/// <summary>The local host's entry point, visible to tests.</summary>
public partial class Program;
