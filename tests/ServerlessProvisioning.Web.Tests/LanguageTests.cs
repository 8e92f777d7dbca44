using System.Text.RegularExpressions;
using Microsoft.Playwright;
using ServerlessProvisioning.Notifications;
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

    [Fact(Timeout = 150_000)]
    public async Task Spanish_reader_gets_a_new_code_the_change_and_the_withdrawal_in_Spanish()
    {
        var (orderId, token) = await web.NewOrderAsync(locale: "es");
        var admin = $"nuevo-{orderId}@acme.com";
        await using var contact = await web.NewPageAsync(locale: "es-ES");
        var page = contact.Page;
        await page.GotoAsync($"{web.Server.BaseUrl}/wizard/#t={token}");
        await page.GetByLabel("Nombre de la empresa").FillAsync("Acme Ltd");
        await page.GetByLabel("Dirección de correo electrónico del administrador").FillAsync(admin);
        await page.GetByRole(AriaRole.Button, new() { Name = "Buscar la organización" }).ClickAsync();

        // A new code on request.
        var verification = page.Locator("[data-state=verification]");
        await Expect(verification.Locator(".order .stage")).ToHaveTextAsync("Esperando el código enviado al administrador");
        await Expect(verification.Locator(".verify-help h2")).ToHaveTextAsync("¿No le llegó el código?");
        await verification.GetByRole(AriaRole.Button, new() { Name = "Enviar un código nuevo" }).ClickAsync();
        await Expect(page.Locator("[data-banner=new-code]")).ToContainTextAsync($"Enviamos un código nuevo a {admin}. Los códigos enviados antes ya no funcionan.");
        await WebFixture.EnterCodeAsync(web.Server, page, orderId, 1);

        // Changing the details.
        var choice = page.Locator("[data-state=choice]");
        await choice.GetByRole(AriaRole.Button, new() { Name = "Cambiar los datos" }).ClickAsync();
        var change = page.Locator("[data-state=form][data-mode=change]");
        await Expect(change.Locator("h1")).ToHaveTextAsync("Cambiar los datos de la empresa");
        await Expect(change).ToContainTextAsync("Sustituyen a los que envió antes");
        await Expect(change.GetByRole(AriaRole.Button, new() { Name = "Enviar los datos nuevos" })).ToBeVisibleAsync();
        await change.GetByRole(AriaRole.Button, new() { Name = "Mantener los datos enviados" }).ClickAsync();

        // Waiting, withdrawing, and back at the candidates.
        await choice.GetByRole(AriaRole.Button, new() { Name = "Elegir Acme Corporation" }).ClickAsync();
        await page.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "Sí, asignar a Acme Corporation" }).ClickAsync();
        var waiting = page.Locator("[data-state=waiting]");
        await Expect(waiting.Locator(".withdraw h2")).ToHaveTextAsync("¿Ha cambiado de opinión?");
        await waiting.GetByRole(AriaRole.Button, new() { Name = "Retirar la solicitud" }).ClickAsync();
        var dialog = page.GetByRole(AriaRole.Dialog);
        await Expect(dialog.Locator("h2")).ToHaveTextAsync("¿Retirar la solicitud a Acme Corporation?");
        await Expect(dialog).ToContainTextAsync("No se agrega a nadie a Acme Corporation.");
        await Expect(dialog.GetByRole(AriaRole.Button, new() { Name = "Volver" })).ToBeFocusedAsync();
        await Screenshots.SaveAsync(page, "wizard-withdraw-confirm-es", fullPage: false);
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Sí, retirar la solicitud" }).ClickAsync();
        await Expect(choice.Locator(".withdrawn-note")).ToContainTextAsync("Retiró la solicitud a Acme Corporation y se avisó a sus administradores.");

        // The approver's link says it in Spanish too.
        var mail = await web.Server.WaitForMailAsync(orderId, m => m.Any(e => e.Kind == EmailKind.ApprovalRequest), "the approval request");
        await using var approver = await web.NewPageAsync(locale: "es-ES");
        await approver.Page.GotoAsync(mail.First(e => e.Kind == EmailKind.ApprovalRequest).Links.Approval!);
        var withdrawn = approver.Page.Locator("[data-state=error-withdrawn]");
        await Expect(withdrawn.Locator("h1")).ToHaveTextAsync(new Regex("Esta solicitud se retiró"));
        await Expect(withdrawn).ToContainTextAsync("no se agregó a nadie a su organización");
        contact.AssertNoProblems();
        approver.AssertNoProblems();
    }
}
