using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Unicode;
using System.Text;
using ServerlessProvisioning.Matching;
using ServerlessProvisioning.Notifications;

namespace ServerlessProvisioning.Provisioning;

/// <summary>A rendered email.</summary>
public sealed record EmailContent(string Subject, string PlainText, string Html);

/// <summary>
/// Renders every email in Spanish (default) or English, as plain text and as phone-friendly HTML with
/// inline CSS. Every value that comes from outside (names, emails, reasons) is HTML-encoded, and what the requester
/// typed is labelled as typed by them wherever it reaches someone else.
/// </summary>
public static class EmailComposer
{
    /// <summary>Renders one email.</summary>
    public static EmailContent Compose(EmailFacts facts, string language)
    {
        ArgumentNullException.ThrowIfNull(facts);
        var en = string.Equals(language, "en", StringComparison.OrdinalIgnoreCase);
        var t = new Texts(en);
        var (subject, paragraphs, action, link) = facts switch
        {
            InvitationEmail f => Invitation(t, f),
            VerificationCodeEmail f => VerificationCode(t, f),
            ApprovalRequestEmail f => ApprovalRequest(t, f),
            ApprovalClosedEmail f => ApprovalClosed(t, f),
            RequestClosedEmail f => RequestClosed(t, f),
            AssignmentNoticeEmail f => AssignmentNotice(t, f),
            InvitationRedirectedEmail f => InvitationRedirected(t, f),
            AddAdminRequestEmail f => AddAdminRequest(t, f),
            AdminAdditionDecidedEmail f => AdminAdditionDecided(t, f),
            OutcomeEmail f => (OutcomeSubject(t, f), OutcomeParagraphs(t, f), f.Link is null ? null : t.Pick("Ver el estado", "See the status"), f.Link),
            _ => throw new ArgumentOutOfRangeException(nameof(facts), facts.Kind, "Unknown email kind."),
        };

        return new EmailContent(subject, PlainText(paragraphs, action, link, t), Html(subject, paragraphs, action, link, t, en));
    }

    static (string, string[], string?, string?) Invitation(Texts t, InvitationEmail f)
    {
        var deadline = t.Date(f.Deadline);
        return f.IsReminder
            ? (t.Pick($"Recordatorio: aprovisione su suscripción {f.SubscriptionId}", $"Reminder: set up your subscription {f.SubscriptionId}"),
                [
                    t.Pick($"La suscripción {f.SubscriptionId} del pedido {f.OrderId} aún no está aprovisionada.", $"Subscription {f.SubscriptionId} of order {f.OrderId} is not provisioned yet."),
                    t.Pick($"Complete el asistente antes del {deadline}; después el enlace dejará de funcionar.", $"Complete the wizard before {deadline}; after that the link stops working."),
                ],
                t.Pick("Continuar en el asistente", "Continue in the wizard"),
                f.Link)
            : (t.Pick($"Aprovisione su suscripción {f.SubscriptionId}", $"Set up your subscription {f.SubscriptionId}"),
                [
                    t.Pick($"Se ha realizado el pedido {f.OrderId} y usted figura como contacto de aprovisionamiento de la suscripción {f.SubscriptionId}.", $"Order {f.OrderId} was placed and you are the provisioning contact of subscription {f.SubscriptionId}."),
                    t.Pick("Abra el asistente, introduzca el nombre de la empresa y la dirección de correo electrónico del administrador, y le indicaremos a qué organización se asignará la suscripción.", "Open the wizard, enter the company name and the administrator's email address, and we will show you which organization the subscription goes to."),
                    t.Pick($"El enlace caduca el {deadline}.", $"The link expires on {deadline}."),
                ],
                t.Pick("Iniciar el asistente", "Start the wizard"),
                f.Link);
    }

    static (string, string[], string?, string?) VerificationCode(Texts t, VerificationCodeEmail f) => (
        t.Pick($"Su código de verificación: {f.Code}", $"Your verification code: {f.Code}"),
        [
            t.Pick($"{f.ContactEmail} está aprovisionando la suscripción {f.SubscriptionId} (pedido {f.OrderId}) y ha indicado esta dirección como la del administrador de la organización.", $"{f.ContactEmail} is provisioning subscription {f.SubscriptionId} (order {f.OrderId}) and gave this address as the organization's administrator."),
            t.Pick($"Si está de acuerdo, facilite este código a {f.ContactEmail}: {f.Code}. Sirve hasta el {t.Date(f.Deadline)}.", $"If you agree, give {f.ContactEmail} this code: {f.Code}. It works until {t.Date(f.Deadline)}."),
            t.Pick("Si no reconoce esta solicitud, ignore este correo: sin el código no se hace nada.", "If you do not recognise this request, ignore this email: nothing happens without the code."),
        ],
        null,
        null);

    static (string, string[], string?, string?) ApprovalClosed(Texts t, ApprovalClosedEmail f) => (
        t.Pick($"Solicitud cerrada: añadir a {f.RequestedAdminEmail} como administrador de {f.OrganizationName}", $"Request closed: add {f.RequestedAdminEmail} as an administrator of {f.OrganizationName}"),
        [
            t.Pick($"La solicitud para añadir a {f.RequestedAdminEmail} como administrador de {f.OrganizationName} (pedido {f.OrderId}) se ha cerrado.", $"The request to add {f.RequestedAdminEmail} as an administrator of {f.OrganizationName} (order {f.OrderId}) is closed."),
            f.End switch
            {
                ApprovalEnd.Approved => t.Pick($"{f.DecidedBy} la ha aprobado. No tiene que hacer nada más.", $"{f.DecidedBy} approved it. Nothing more is needed from you."),
                ApprovalEnd.Rejected => t.Pick($"{f.DecidedBy} la ha rechazado. No tiene que hacer nada más.", $"{f.DecidedBy} rejected it. Nothing more is needed from you."),
                ApprovalEnd.Withdrawn => t.Pick("Quien la pidió la ha retirado. No se ha cambiado nada y el enlace que recibió ya no funciona.", "The requester withdrew it. Nothing was changed, and the link you received no longer works."),
                ApprovalEnd.Closed => t.Pick($"La organización {f.OrganizationName} ha cambiado en el directorio (se eliminó, ya no tiene administradores completos o ya no admite este tipo de suscripción), así que ya no hay nada que decidir. No se ha cambiado nada y el enlace que recibió ya no funciona.", $"The organization {f.OrganizationName} changed in the directory (it was deleted, has no full administrator left, or no longer takes this kind of subscription), so there is nothing to decide any more. Nothing was changed, and the link you received no longer works."),
                _ => t.Pick("Nadie la decidió antes del plazo, así que ha caducado y no se ha cambiado nada.", "Nobody decided before the deadline, so it expired and nothing was changed."),
            },
        ],
        null,
        null);

    static (string, string[], string?, string?) AssignmentNotice(Texts t, AssignmentNoticeEmail f) => (
        t.Pick($"Suscripción {f.SubscriptionId} asignada a {f.OrganizationName}", $"Subscription {f.SubscriptionId} assigned to {f.OrganizationName}"),
        [
            t.Pick($"Usted es administrador completo de la organización {f.OrganizationName}.", $"You are a full administrator of the organization {f.OrganizationName}."),
            t.Pick($"La suscripción {f.SubscriptionId} del pedido {f.OrderId} se ha asignado a su organización, con {f.AdminEmail} como administrador (ya es administrador completo de ella). La aprovisionó {f.ContactEmail}.", $"Subscription {f.SubscriptionId} of order {f.OrderId} was assigned to your organization, with {f.AdminEmail} as its administrator (already one of its full administrators). {f.ContactEmail} provisioned it."),
            t.Pick("No tiene que hacer nada. Si no reconoce esta suscripción, hable con sus otros administradores o con quien realizó el pedido.", "Nothing is needed from you. If you do not recognise this subscription, talk to your other administrators or to whoever placed the order."),
        ],
        null,
        null);

    static (string, string[], string?, string?) InvitationRedirected(Texts t, InvitationRedirectedEmail f) => (
        t.Pick($"La invitación de la suscripción {f.SubscriptionId} se envió a otra persona", $"The invitation for subscription {f.SubscriptionId} went to someone else"),
        [
            t.Pick($"Un operador ha enviado la invitación para aprovisionar la suscripción {f.SubscriptionId} (pedido {f.OrderId}) a otro contacto.", $"An operator sent the invitation to provision subscription {f.SubscriptionId} (order {f.OrderId}) to another contact."),
            t.Pick("El enlace que recibió ya no funciona y no tiene que hacer nada. Si cree que es un error, hable con quien realizó el pedido.", "The link you received no longer works, and nothing is needed from you. If you think this is a mistake, talk to whoever placed the order."),
        ],
        null,
        null);

    static (string, string[], string?, string?) RequestClosed(Texts t, RequestClosedEmail f) => (
        t.Pick($"Elija de nuevo: la solicitud a {f.OrganizationName} se ha cerrado", $"Choose again: the request to {f.OrganizationName} is closed"),
        [
            t.Pick($"Pidió a los administradores de {f.OrganizationName} que aprobaran a {f.RequestedAdminEmail} para la suscripción {f.SubscriptionId} (pedido {f.OrderId}).", $"You asked the administrators of {f.OrganizationName} to approve {f.RequestedAdminEmail} for subscription {f.SubscriptionId} (order {f.OrderId})."),
            t.Pick($"Mientras tanto, {f.OrganizationName} ha cambiado en el directorio (se eliminó, ya no tiene administradores completos o ya no admite este tipo de suscripción), así que la solicitud se ha cerrado. No se ha cambiado nada.", $"Meanwhile {f.OrganizationName} changed in the directory (it was deleted, has no full administrator left, or no longer takes this kind of subscription), so the request is closed. Nothing was changed."),
            t.Pick($"Abra el asistente para elegir otra organización o crear una nueva antes del {t.Date(f.ChooseBy)}.", $"Open the wizard to choose another organization or create a new one before {t.Date(f.ChooseBy)}."),
        ],
        t.Pick("Elegir de nuevo", "Choose again"),
        f.Link);

    static (string, string[], string?, string?) ApprovalRequest(Texts t, ApprovalRequestEmail f) => (
        t.Pick(
            (f.IsReminder ? "Recordatorio: " : string.Empty) + $"¿Añadir a {f.RequestedAdminEmail} como administrador de {f.OrganizationName}?",
            (f.IsReminder ? "Reminder: " : string.Empty) + $"Add {f.RequestedAdminEmail} as an administrator of {f.OrganizationName}?"),
        [
            t.Pick($"Usted es administrador completo de la organización {f.OrganizationName}.", $"You are a full administrator of the organization {f.OrganizationName}."),
            t.Pick($"{f.ContactEmail} está aprovisionando la suscripción {f.SubscriptionId} (pedido {f.OrderId}) y ha elegido su organización. Para continuar, {f.RequestedAdminEmail} debe ser administrador de la organización.", $"{f.ContactEmail} is provisioning subscription {f.SubscriptionId} (order {f.OrderId}) and chose your organization. To continue, {f.RequestedAdminEmail} must become an administrator of it."),
            TypedCompany(t, f.CompanyName),
            t.Pick($"Hemos comprobado que {f.RequestedAdminEmail} recibe correo en esa dirección.", $"We checked that {f.RequestedAdminEmail} receives email at that address."),
            t.Pick("Por seguridad, nadie se añade como administrador sin su aprobación. Si no reconoce esta solicitud, rechácela.", "For security, nobody is added as an administrator without your approval. If you do not recognise this request, reject it."),
            t.Pick($"Puede decidir hasta el {t.Date(f.Deadline)}.", $"You can decide until {t.Date(f.Deadline)}."),
        ],
        t.Pick("Revisar la solicitud", "Review the request"),
        f.Link);

    static (string, string[], string?, string?) AddAdminRequest(Texts t, AddAdminRequestEmail f) => (
        t.Pick($"Solicitud: añadir a {f.RequestedAdminEmail} como administrador de {f.OrganizationName}", $"Request: add {f.RequestedAdminEmail} as an administrator of {f.OrganizationName}"),
        f.Link is null
            ?
            [
                t.Pick($"Un socio ha aprovisionado la suscripción {f.SubscriptionId} (pedido {f.OrderId}) en su organización {f.OrganizationName}.", $"A partner provisioned subscription {f.SubscriptionId} (order {f.OrderId}) in your organization {f.OrganizationName}."),
                t.Pick($"El socio solicita que añada a {f.RequestedAdminEmail} como administrador. No se ha añadido automáticamente: usted decide si lo añade desde la administración de su organización.", $"The partner asks you to add {f.RequestedAdminEmail} as an administrator. Nobody was added automatically: you decide whether to add them in your organization's administration."),
            ]
            :
            [
                t.Pick($"Un socio ha aprovisionado la suscripción {f.SubscriptionId} (pedido {f.OrderId}) en su organización {f.OrganizationName}. La suscripción ya está asignada.", $"A partner provisioned subscription {f.SubscriptionId} (order {f.OrderId}) in your organization {f.OrganizationName}. The subscription is already assigned."),
                t.Pick($"El socio solicita que añada a {f.RequestedAdminEmail} como administrador completo. No se ha añadido automáticamente: usted decide.", $"The partner asks you to add {f.RequestedAdminEmail} as a full administrator. Nobody was added automatically: you decide."),
                t.Pick("Abra la solicitud para añadirlo con un clic o rechazarla. La primera decisión de un administrador cuenta; la suscripción sigue asignada en ambos casos.", "Open the request to add them in one click, or to decline. The first administrator to decide settles it; the subscription stays assigned either way."),
                t.Pick($"Puede decidir hasta el {t.Date(f.Deadline!.Value)}.", $"You can decide until {t.Date(f.Deadline!.Value)}."),
            ],
        f.Link is null ? null : t.Pick("Revisar la solicitud", "Review the request"),
        f.Link);

    static (string, string[], string?, string?) AdminAdditionDecided(Texts t, AdminAdditionDecidedEmail f) => (
        f.Approved
            ? t.Pick($"{f.RequestedAdminEmail} ya es administrador de {f.OrganizationName}", $"{f.RequestedAdminEmail} is now an administrator of {f.OrganizationName}")
            : t.Pick($"No se ha añadido a {f.RequestedAdminEmail} como administrador de {f.OrganizationName}", $"{f.RequestedAdminEmail} was not added as an administrator of {f.OrganizationName}"),
        [
            f.Approved
                ? t.Pick($"Un administrador completo de {f.OrganizationName} ha añadido a {f.RequestedAdminEmail} como administrador completo.", $"A full administrator of {f.OrganizationName} added {f.RequestedAdminEmail} as a full administrator.")
                : t.Pick($"Un administrador completo de {f.OrganizationName} ha rechazado añadir a {f.RequestedAdminEmail} como administrador.", $"A full administrator of {f.OrganizationName} declined to add {f.RequestedAdminEmail} as an administrator."),
            t.Pick($"La suscripción {f.SubscriptionId} (pedido {f.OrderId}) sigue asignada a {f.OrganizationName}.", $"Subscription {f.SubscriptionId} (order {f.OrderId}) stays assigned to {f.OrganizationName}."),
            string.IsNullOrWhiteSpace(f.Comment) ? t.Pick("No dejó ningún comentario.", "They left no comment.") : t.Pick($"Su comentario: {f.Comment}", $"Their comment: {f.Comment}"),
            f.Approved
                ? t.Pick("No tiene que hacer nada más.", "Nothing more is needed from you.")
                : t.Pick($"Si {f.RequestedAdminEmail} debe administrarla, hable con los administradores de {f.OrganizationName}.", $"If {f.RequestedAdminEmail} should administer it, talk to the administrators of {f.OrganizationName}."),
        ],
        null,
        null);

    // What the requester typed, labelled as theirs: it reaches people who did not type it.
    static string TypedCompany(Texts t, string companyName) =>
        t.Pick($"Nombre de la empresa tal como lo escribió quien hace la solicitud (no verificado): «{companyName}».", $"Company name as typed by the requester (not verified): “{companyName}”.");

    static string OutcomeSubject(Texts t, OutcomeEmail f) => f.Outcome switch
    {
        ProvisioningOutcome.AssignedToExistingOrganization or ProvisioningOutcome.AssignedToNewOrganization =>
            t.Pick($"Suscripción {f.SubscriptionId} asignada a {f.OrganizationName}", $"Subscription {f.SubscriptionId} assigned to {f.OrganizationName}"),
        ProvisioningOutcome.AssignedPendingAdminAddition =>
            t.Pick($"Suscripción {f.SubscriptionId} asignada a {f.OrganizationName}: falta añadir el administrador", $"Subscription {f.SubscriptionId} assigned to {f.OrganizationName}: administrator still to be added"),
        ProvisioningOutcome.Rejected => t.Pick($"El aprovisionamiento de {f.SubscriptionId} no se ha completado", $"Provisioning of {f.SubscriptionId} was not completed"),
        ProvisioningOutcome.Expired => t.Pick($"El aprovisionamiento de {f.SubscriptionId} ha caducado", $"Provisioning of {f.SubscriptionId} expired"),
        ProvisioningOutcome.Cancelled => t.Pick($"El aprovisionamiento de {f.SubscriptionId} se ha cancelado", $"Provisioning of {f.SubscriptionId} was cancelled"),
        null => t.Pick($"El aprovisionamiento de {f.SubscriptionId} no se ha podido completar", $"Provisioning of {f.SubscriptionId} could not be completed"),
        _ => t.Pick($"Aprovisionamiento de {f.SubscriptionId}", $"Provisioning of {f.SubscriptionId}"),
    };

    static string[] OutcomeParagraphs(Texts t, OutcomeEmail f) => f.Outcome switch
    {
        ProvisioningOutcome.AssignedToExistingOrganization =>
        [
            t.Pick($"La suscripción {f.SubscriptionId} (pedido {f.OrderId}) se ha asignado a la organización existente {f.OrganizationName}.", $"Subscription {f.SubscriptionId} (order {f.OrderId}) was assigned to the existing organization {f.OrganizationName}."),
            t.Pick("Sus administradores ya pueden usarla.", "Its administrators can use it now."),
        ],
        ProvisioningOutcome.AssignedToNewOrganization =>
        [
            t.Pick($"Se ha creado la organización {f.OrganizationName} y se le ha asignado la suscripción {f.SubscriptionId} (pedido {f.OrderId}).", $"The organization {f.OrganizationName} was created and subscription {f.SubscriptionId} (order {f.OrderId}) was assigned to it."),
            t.Pick($"{f.RequestedAdminEmail} es su administrador completo.", $"{f.RequestedAdminEmail} is its full administrator."),
        ],
        ProvisioningOutcome.AssignedPendingAdminAddition =>
        [
            t.Pick($"La suscripción {f.SubscriptionId} (pedido {f.OrderId}) se ha asignado a {f.OrganizationName}.", $"Subscription {f.SubscriptionId} (order {f.OrderId}) was assigned to {f.OrganizationName}."),
            t.Pick($"Hemos pedido al administrador existente que añada a {f.RequestedAdminEmail} como administrador. Debe comunicarse con el administrador existente para que lo añada.", $"We asked the existing administrator to add {f.RequestedAdminEmail} as an administrator. You should contact the existing administrator to have them added."),
        ],
        ProvisioningOutcome.Rejected =>
        [
            t.Pick($"El administrador de {f.OrganizationName} no ha aprobado añadir a {f.RequestedAdminEmail} como administrador, así que la suscripción {f.SubscriptionId} (pedido {f.OrderId}) no se ha asignado.", $"The administrator of {f.OrganizationName} did not approve adding {f.RequestedAdminEmail} as an administrator, so subscription {f.SubscriptionId} (order {f.OrderId}) was not assigned."),
            string.IsNullOrWhiteSpace(f.Reason) ? t.Pick("No se indicó ningún motivo.", "No reason was given.") : t.Pick($"Motivo: {f.Reason}", $"Reason: {f.Reason}"),
            t.Pick("Debe comunicarse con el administrador existente para que lo añada como administrador de la organización antes de poder iniciar de nuevo el proceso de aprovisionamiento.", "Contact the existing administrator to be added as an administrator of the organization before starting provisioning again."),
        ],
        ProvisioningOutcome.Expired =>
        [
            t.Pick($"El plazo para aprovisionar la suscripción {f.SubscriptionId} (pedido {f.OrderId}) ha terminado sin completarse.", $"The time to provision subscription {f.SubscriptionId} (order {f.OrderId}) ran out before it was completed."),
            t.Pick("Póngase en contacto con quien realizó el pedido para recibir una nueva invitación.", "Contact whoever placed the order to receive a new invitation."),
        ],
        ProvisioningOutcome.Cancelled =>
        [
            t.Pick($"El aprovisionamiento de la suscripción {f.SubscriptionId} (pedido {f.OrderId}) se ha cancelado.", $"Provisioning of subscription {f.SubscriptionId} (order {f.OrderId}) was cancelled."),
            string.IsNullOrWhiteSpace(f.Reason) ? t.Pick("No se indicó ningún motivo.", "No reason was given.") : t.Pick($"Motivo: {f.Reason}", $"Reason: {f.Reason}"),
            t.Pick("Los enlaces que recibió ya no funcionan.", "The links you received no longer work."),
        ],
        null =>
        [
            t.Pick($"Un problema técnico ha impedido completar el aprovisionamiento de la suscripción {f.SubscriptionId} (pedido {f.OrderId}). No se ha asignado a ninguna organización.", $"A technical problem stopped the provisioning of subscription {f.SubscriptionId} (order {f.OrderId}). It was not assigned to any organization."),
            t.Pick("El equipo de operaciones ya está avisado. Póngase en contacto con quien realizó el pedido si necesita la suscripción pronto.", "The operations team has been told. Contact whoever placed the order if you need the subscription soon."),
            t.Pick("Los enlaces que recibió ya no funcionan.", "The links you received no longer work."),
        ],
        _ => [t.Pick($"Pedido {f.OrderId}.", $"Order {f.OrderId}.")],
    };

    static string PlainText(string[] paragraphs, string? action, string? link, Texts t)
    {
        var text = new StringBuilder();
        text.AppendLine(t.Pick("Hola:", "Hello,")).AppendLine();
        foreach (var p in paragraphs)
        {
            text.AppendLine(p).AppendLine();
        }

        if (action is not null && link is not null)
        {
            text.Append(action).Append(": ").AppendLine(link).AppendLine();
        }

        text.AppendLine(t.Pick("— Aprovisionamiento de suscripciones", "— Subscription provisioning"));
        return text.ToString();
    }

    static string Html(string subject, string[] paragraphs, string? action, string? link, Texts t, bool en)
    {
        static string E(string s) => Encoder.Encode(s);
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html><html lang=\"").Append(en ? "en" : "es").Append("\"><head><meta charset=\"utf-8\">")
            .Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>").Append(E(subject)).Append("</title></head>")
            .Append("<body style=\"margin:0;padding:0;background:#f3f4f6;font-family:Segoe UI,Helvetica,Arial,sans-serif;color:#111827;\">")
            .Append("<table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" style=\"background:#f3f4f6;padding:16px 0;\"><tr><td align=\"center\">")
            .Append("<table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" style=\"max-width:560px;background:#ffffff;border-radius:8px;padding:24px;\">")
            .Append("<tr><td style=\"font-size:20px;font-weight:600;line-height:1.3;padding-bottom:16px;\">").Append(E(subject)).Append("</td></tr>")
            .Append("<tr><td style=\"font-size:16px;line-height:1.5;\"><p style=\"margin:0 0 12px;\">").Append(E(t.Pick("Hola:", "Hello,"))).Append("</p>");
        foreach (var p in paragraphs)
        {
            html.Append("<p style=\"margin:0 0 12px;\">").Append(E(p)).Append("</p>");
        }

        html.Append("</td></tr>");
        if (action is not null && link is not null)
        {
            html.Append("<tr><td style=\"padding:12px 0 20px;\"><a href=\"").Append(E(link))
                .Append("\" style=\"display:inline-block;background:#1d4ed8;color:#ffffff;text-decoration:none;font-weight:600;padding:12px 20px;border-radius:6px;font-size:16px;\">")
                .Append(E(action)).Append("</a></td></tr>")
                .Append("<tr><td style=\"font-size:13px;color:#4b5563;line-height:1.4;word-break:break-all;\">")
                .Append(E(t.Pick("Si el botón no funciona, copie este enlace en su navegador:", "If the button does not work, copy this link into your browser:")))
                .Append("<br>").Append(E(link)).Append("</td></tr>");
        }

        html.Append("<tr><td style=\"font-size:13px;color:#6b7280;padding-top:20px;\">").Append(E(t.Pick("— Aprovisionamiento de suscripciones", "— Subscription provisioning")))
            .Append("</td></tr></table></td></tr></table></body></html>");
        return html.ToString();
    }

    // Encodes what HTML needs (<, >, &, quotes) and leaves letters such as ñ or 株 readable.
    static readonly HtmlEncoder Encoder = HtmlEncoder.Create(UnicodeRanges.All);

    sealed class Texts(bool english)
    {
        static readonly CultureInfo Spanish = CultureInfo.GetCultureInfo("es-ES");
        static readonly CultureInfo English = CultureInfo.GetCultureInfo("en-GB");

        public string Pick(string es, string en) => english ? en : es;

        public string Date(DateTimeOffset at) =>
            at.ToUniversalTime().ToString(english ? "d MMMM yyyy, HH:mm 'UTC'" : "d 'de' MMMM 'de' yyyy, HH:mm 'UTC'", english ? English : Spanish);
    }
}
