//! E-mail through SMTP (invitations to project pre-meetings). The server is configured with
//! `OZG_SMTP_URL`; without it the portal says that sending is not set up instead of failing.
//!
//! URL forms (lettre): `smtp://host:25` (plain, e.g. the local relay), `smtp://host:587?tls=required`
//! (STARTTLS), `smtps://user:pass@host:465` (TLS).

use lettre::message::Mailbox;
use lettre::message::header::ContentType;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

/// Where and as whom mail is sent.
#[derive(Clone, Debug)]
pub struct SmtpConfig {
    /// Transport URL.
    pub url: String,
    /// Sender ("OZG-Koordinierungsstelle <ozg@example.org>").
    pub absender: String,
}

impl SmtpConfig {
    /// Checks the configuration at start-up, so a typo shows before the first invitation.
    pub fn pruefen(&self) -> Result<(), String> {
        self.absender
            .parse::<Mailbox>()
            .map_err(|e| format!("OZG_SMTP_ABSENDER „{}“ ist ungültig: {e}", self.absender))?;
        AsyncSmtpTransport::<Tokio1Executor>::from_url(&self.url)
            .map_err(|e| format!("OZG_SMTP_URL ist ungültig: {e}"))?;
        Ok(())
    }
}

/// One message to one person.
#[derive(Clone, Debug)]
pub struct Nachricht {
    /// Recipient name.
    pub name: String,
    /// Recipient address.
    pub email: String,
    /// Subject.
    pub betreff: String,
    /// Plain-text body.
    pub text: String,
}

/// Whether an address can be used as a recipient.
pub fn adresse_gueltig(email: &str) -> bool {
    email.parse::<lettre::Address>().is_ok()
}

/// Sends each message separately (recipients do not see each other's addresses). Returns the
/// number sent and, if sending stopped, a German message naming the failed recipient.
pub async fn senden(cfg: &SmtpConfig, nachrichten: &[Nachricht]) -> (usize, Option<String>) {
    let mut n = 0;
    match senden_zaehlend(cfg, nachrichten, &mut n).await {
        Ok(()) => (n, None),
        Err(m) => (n, Some(m)),
    }
}

async fn senden_zaehlend(
    cfg: &SmtpConfig,
    nachrichten: &[Nachricht],
    n: &mut usize,
) -> Result<(), String> {
    let absender: Mailbox = cfg
        .absender
        .parse()
        .map_err(|e| format!("Der Absender ist ungültig: {e}"))?;
    let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(&cfg.url)
        .map_err(|e| format!("Der Mailserver ist falsch eingestellt: {e}"))?
        .timeout(Some(std::time::Duration::from_secs(20)))
        .build();
    for m in nachrichten {
        let an = Mailbox::new(
            Some(m.name.clone()),
            m.email
                .parse()
                .map_err(|_| format!("„{}“ ist keine gültige E-Mail-Adresse.", m.email))?,
        );
        let mail = Message::builder()
            .from(absender.clone())
            .to(an)
            .subject(m.betreff.clone())
            .header(ContentType::TEXT_PLAIN)
            .body(m.text.clone())
            .map_err(|e| format!("Die Nachricht an {} ließ sich nicht bauen: {e}", m.email))?;
        transport.send(mail).await.map_err(|e| {
            format!(
                "Der Mailserver hat die Nachricht an {} nicht angenommen ({} von {} gesendet): {e}",
                m.email,
                n,
                nachrichten.len()
            )
        })?;
        *n += 1;
    }
    Ok(())
}
