using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ServerlessProvisioning.Web.Tests;

/// <summary>Spanish and English: chosen from the browser, switched and remembered.</summary>
public sealed class LanguageTests(WebFixture web)
{
    [Fact(Timeout = 120_000)]
    public async Task Spanish_reader_gets_Spanish_and_the_switch_changes_and_remembers_the_language()
    {
        var (orderId, token) = await web.NewOrderAsync(locale: "es");
        await using var browser = await web.NewPageAsync(locale: "es-ES");
        var page = browser.Page;
        await page.GotoAsync($"{web.Server.BaseUrl}/wizard/#t={token}");

        await Expect(page.Locator("h1")).ToHaveTextAsync("Datos de la organización");
        await Expect(page.Locator("html")).ToHaveAttributeAsync("lang", "es");
        await Expect(page.GetByLabel("Nombre de la empresa")).ToBeVisibleAsync();
        await Expect(page.Locator(".order")).ToContainTextAsync("Cliente que aprovisiona su suscripción nueva");
        await Screenshots.SaveAsync(page, "wizard-form-es");

        await page.GetByRole(AriaRole.Button, new() { Name = "View this page in English" }).ClickAsync();
        await Expect(page.Locator("h1")).ToHaveTextAsync("Tell us about the organization");
        await Expect(page.Locator("html")).ToHaveAttributeAsync("lang", "en");
        await Expect(page.GetByLabel("Company name")).ToBeVisibleAsync();

        await page.ReloadAsync();
        await Expect(page.Locator("h1")).ToHaveTextAsync("Tell us about the organization");
        await page.GetByRole(AriaRole.Button, new() { Name = "Ver esta página en español" }).ClickAsync();
        await Expect(page.Locator("h1")).ToHaveTextAsync("Datos de la organización");

        // Candidates in Spanish, with the seed's column names.
        await page.GetByLabel("Nombre de la empresa").FillAsync("Acme Ltd");
        await page.GetByLabel("Dirección de correo electrónico del administrador").FillAsync("nuevo@acme.com");
        await page.GetByRole(AriaRole.Button, new() { Name = "Buscar la organización" }).ClickAsync();

        // The code step in Spanish, a wrong code's message too.
        var verification = page.Locator("[data-state=verification]");
        await Expect(verification.Locator("h1")).ToHaveTextAsync(new Regex("Confirme el correo electrónico del administrador"));
        await Expect(verification).ToContainTextAsync("Enviamos un código de 6 dígitos a nuevo@acme.com.");
        await Expect(verification.Locator("dl.facts:not(.facts--inline)")).ToContainTextAsync("El código funciona hasta");
        var code = await WebFixture.CodeAsync(web.Server, orderId, 0);
        await page.GetByLabel("Código de verificación").FillAsync(WebFixture.WrongCode(code));
        await page.GetByRole(AriaRole.Button, new() { Name = "Confirmar el código" }).ClickAsync();
        await Expect(page.Locator("#code-error")).ToHaveTextAsync(new Regex("Ese código no es correcto. Le quedan 4 intentos."));
        await Expect(verification.GetByRole(AriaRole.Button, new() { Name = "Enviar un código nuevo" })).ToBeVisibleAsync();
        await Expect(verification.GetByRole(AriaRole.Button, new() { Name = "Cambiar los datos" })).ToBeVisibleAsync();
        await Screenshots.SaveAsync(page, "wizard-verification-es");
        await page.GetByLabel("Código de verificación").FillAsync(code);
        await page.GetByRole(AriaRole.Button, new() { Name = "Confirmar el código" }).ClickAsync();
        await Expect(page.Locator("[data-state=choice] h1")).ToHaveTextAsync("Organizaciones coincidentes");
        var headers = page.Locator("table.candidates thead th");
        await Expect(headers).ToContainTextAsync(["Organización", "Tipo", "Cuenta creada", "Cantidad de suscripciones activas", "Cantidad de usuarios en la organización", "Administrador completo", "Valoración"]);
        await Expect(page.Locator("tr[data-organization-id=org-acme] .col-type")).ToHaveTextAsync("Cliente");
        await Expect(page.Locator("tr[data-organization-id=org-acme] .col-created time")).ToHaveTextAsync("1 mar 2019");
        await Expect(page.Locator("tr[data-organization-id=org-acme-trial] .badge")).ToContainTextAsync("Posiblemente abandonada");
        await Screenshots.SaveAsync(page, "wizard-candidates-es");
        browser.AssertNoProblems();
    }
}
