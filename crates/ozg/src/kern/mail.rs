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

/// A connection to the configured mail server, made once per outbox run.
pub struct Zusteller {
    absender: Mailbox,
    transport: AsyncSmtpTransport<Tokio1Executor>,
}

impl Zusteller {
    /// The transport of `cfg` (no connection is opened until the first message).
    pub fn neu(cfg: &SmtpConfig) -> Result<Zusteller, String> {
        Ok(Zusteller {
            absender: cfg
                .absender
                .parse()
                .map_err(|e| format!("Der Absender ist ungültig: {e}"))?,
            transport: AsyncSmtpTransport::<Tokio1Executor>::from_url(&cfg.url)
                .map_err(|e| format!("Der Mailserver ist falsch eingestellt: {e}"))?
                .timeout(Some(std::time::Duration::from_secs(20)))
                .build(),
        })
    }

    /// Sends one message (recipients never see each other) under `kennung`, its Message-ID:
    /// the same for every try of one outbox entry, so a receiver drops a second copy.
    pub async fn senden(&self, m: &Nachricht, kennung: &str) -> Result<(), String> {
        let an = Mailbox::new(
            Some(m.name.clone()),
            m.email
                .parse()
                .map_err(|_| format!("„{}“ ist keine gültige E-Mail-Adresse.", m.email))?,
        );
        let domain = self.absender.email.domain().to_owned();
        let mail = Message::builder()
            .from(self.absender.clone())
            .to(an)
            .message_id(Some(format!("<{kennung}@{domain}>")))
            .subject(m.betreff.clone())
            .header(ContentType::TEXT_PLAIN)
            .body(m.text.clone())
            .map_err(|e| format!("Die Nachricht an {} ließ sich nicht bauen: {e}", m.email))?;
        self.transport.send(mail).await.map(|_| ()).map_err(|e| {
            format!(
                "Der Mailserver hat die Nachricht an {} nicht angenommen: {e}",
                m.email
            )
        })
    }
}
