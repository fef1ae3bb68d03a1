#!/usr/bin/env python3
"""A small SAML 2.0 identity provider that stands in for BundID in tests.

Built on pysaml2 7.5.5 and the standard library's wsgiref; no other dependencies.

  idp.py serve --port P [--base URL] --schluessel KEY --zertifikat CERT --sp-metadaten SP.xml
         [--verschluesseln]
      serves /idp.xml (metadata) and /sso/post (HTTP-POST binding: login form, then a form
      that posts the SAMLResponse to the SP's ACS with the button "Weiter zum Portal"; no
      script). Prints "BEREIT <base>/idp.xml" when it accepts connections. --port 0 takes a
      free port; --base defaults to http://127.0.0.1:<port>.
  idp.py antwort --request-b64 B64 --benutzer eid [--verschluesseln] [--manipulieren]
         [--unsigniert | --nur-assertion-signieren] [--abbrechen] --base URL
         --schluessel KEY --zertifikat CERT --sp-metadaten SP.xml
      prints the base64 SAMLResponse to that request (whose signature pysaml2 checks against
      the SP metadata), without HTTP. --base must be the one the IdP metadata was made with.
  idp.py metadaten --base URL --schluessel KEY --zertifikat CERT
      prints the IdP metadata.

Test accounts (user/password, one per trust level): basis/basis (STORK-QAA-Level-1),
elster/elster (STORK-QAA-Level-3), eid/eid (STORK-QAA-Level-4). The IdP answers with the
account's own level, whatever the request asked for (so an SP sees a level that is too low).
Attributes go out as urn:oid names with NameFormat uri, as BundID sends them. Response and
assertion are signed (RSA-SHA256); with --verschluesseln the assertion is encrypted to the
SP's encryption certificate (RSA-OAEP, AES-128-GCM).
"""

import argparse
import base64
import html
import sys
import warnings
from urllib.parse import parse_qs
from wsgiref.simple_server import make_server

# pysaml2 7.5.5 imports a cipher mode that newer "cryptography" releases warn about.
warnings.filterwarnings("ignore", message="CFB has been moved")

from saml2 import BINDING_HTTP_POST, samlp
from saml2.attribute_converter import AttributeConverter
from saml2.config import IdPConfig
from saml2.metadata import entity_descriptor
from saml2.saml import NAME_FORMAT_URI, NAMEID_FORMAT_PERSISTENT, NameID
from saml2.server import Server
from saml2.sigver import (RSA_OAEP_MGF1P, get_pem_wrapped_unwrapped, get_xmlsec_binary,
                          make_temp, pre_encryption_part)
from saml2.xmldsig import DIGEST_SHA256, SIG_RSA_SHA256

AES128_GCM = "http://www.w3.org/2009/xmlenc11#aes128-gcm"

# Attribute names of BundID (services-domain-rules.md 5.1).
OID = {
    "bPK2": "urn:oid:1.3.6.1.4.1.25484.494450.3",
    "EID-CITIZEN-QAA-LEVEL": "urn:oid:1.2.40.0.10.2.1.1.261.94",
    "givenName": "urn:oid:2.5.4.42",
    "surname": "urn:oid:2.5.4.4",
    "mail": "urn:oid:0.9.2342.19200300.100.1.3",
    "postalAddress": "urn:oid:2.5.4.16",
    "postalCode": "urn:oid:2.5.4.17",
    "locality": "urn:oid:2.5.4.7",
    "birthdate": "urn:oid:1.2.40.0.10.2.1.1.55",
}

BENUTZER = {
    "basis": ("STORK-QAA-Level-1", {
        "bPK2": "bpk2-basis-0001", "givenName": "Max", "surname": "Mustermann",
        "mail": "max.mustermann@example.org", "postalAddress": "Emsstraße 12",
        "postalCode": "48431", "locality": "Rheine", "birthdate": "1980-05-17"}),
    "elster": ("STORK-QAA-Level-3", {
        "bPK2": "bpk2-elster-0002", "givenName": "Erika", "surname": "Gabler",
        "mail": "erika.gabler@example.org", "postalAddress": "Königsallee 1",
        "postalCode": "40210", "locality": "Düsseldorf", "birthdate": "1975-02-03"}),
    "eid": ("STORK-QAA-Level-4", {
        "bPK2": "bpk2-eid-0003", "givenName": "Jürgen", "surname": "Schmitz",
        "mail": "juergen.schmitz@example.org", "postalAddress": "Marktstraße 3",
        "postalCode": "48431", "locality": "Rheine", "birthdate": "1969-11-30"}),
}


class TestIdp(Server):
    """pysaml2's Server, encrypting with AES-128-GCM instead of its default Triple-DES."""

    def _encrypt_assertion(self, encrypt_cert, sp_entity_id, response, node_xpath=None):
        # Overrides the pysaml2 7.5.5 method of the same name (entity.py), which always
        # passes the default content algorithm to pre_encryption_part.
        if not encrypt_cert:
            encrypt_cert = self.metadata.certs(sp_entity_id, "any", "encryption")[0][1]
        wrapped, unwrapped = get_pem_wrapped_unwrapped(encrypt_cert)
        datei = make_temp(wrapped.encode("ascii"), decode=False,
                          delete_tmpfiles=self.config.delete_tmpfiles)
        teil = pre_encryption_part(msg_enc=AES128_GCM, key_enc=RSA_OAEP_MGF1P,
                                   encrypt_cert=unwrapped)
        return self.sec.encrypt_assertion(response, datei.name, teil, key_type="aes-128",
                                          node_xpath=node_xpath)


def idp_erzeugen(args):
    konfiguration = IdPConfig()
    konfiguration.load({
        "entityid": f"{args.base}/idp.xml",
        "service": {"idp": {
            "name": "OZG-Plattform Test-IdP",
            "endpoints": {"single_sign_on_service": [(f"{args.base}/sso/post", BINDING_HTTP_POST)]},
            "want_authn_requests_signed": True,
            "name_id_format": [NAMEID_FORMAT_PERSISTENT],
            "policy": {"default": {"lifetime": {"minutes": 5}, "name_form": NAME_FORMAT_URI}},
        }},
        "key_file": args.schluessel,
        "cert_file": args.zertifikat,
        "metadata": {"local": [args.sp_metadaten]} if getattr(args, "sp_metadaten", None) else {},
        "xmlsec_binary": get_xmlsec_binary(["/usr/bin", "/usr/local/bin"]),
        "signing_algorithm": SIG_RSA_SHA256,
        "digest_algorithm": DIGEST_SHA256,
        "accepted_time_diff": 120,
    })
    idp = TestIdp(config=konfiguration)
    # Friendly names to urn:oid names, NameFormat uri (pysaml2's own maps lack bPK2 & co.).
    umsetzer = AttributeConverter(NAME_FORMAT_URI)
    umsetzer.from_dict({"identifier": NAME_FORMAT_URI, "to": OID})
    idp.config.attribute_converters = [umsetzer]
    return idp


def metadaten(idp):
    return str(entity_descriptor(idp.config))


def anfrage_lesen(idp, saml_request):
    """The AuthnRequest, after pysaml2 checked its signature against the SP metadata."""
    return idp.parse_authn_request(saml_request, BINDING_HTTP_POST).message


def antwort(idp, anfrage, benutzer, verschluesseln, manipulieren=False, signieren="beide"):
    """The SAMLResponse (XML) for a successful login of `benutzer`; `signieren` is "beide"
    (response and assertion), "assertion" or "keine"."""
    ziel = idp.response_args(anfrage)
    stufe, werte = BENUTZER[benutzer]
    identitaet = {name: [wert] for name, wert in werte.items()}
    identitaet["EID-CITIZEN-QAA-LEVEL"] = [stufe]
    xml = str(idp.create_authn_response(
        identitaet, ziel["in_response_to"], ziel["destination"], ziel["sp_entity_id"],
        name_id=NameID(format=NAMEID_FORMAT_PERSISTENT, text=f"persistent-{benutzer}"),
        authn={"class_ref": stufe, "authn_auth": idp.config.entityid},
        sign_response=signieren == "beide", sign_assertion=signieren != "keine",
        sign_alg=SIG_RSA_SHA256, digest_alg=DIGEST_SHA256, encrypt_assertion=verschluesseln))
    if manipulieren:
        # After signing: the signature no longer matches.
        alt = f">{werte['surname']}<"
        if alt not in xml:
            sys.exit("manipulieren: surname not found in the response")
        xml = xml.replace(alt, ">Manipuliert<", 1)
    return xml, ziel["destination"]


def abbruch(idp, anfrage):
    """The (signed) SAMLResponse when the citizen cancels: Responder/AuthnFailed."""
    ziel = idp.response_args(anfrage)
    xml = str(idp.create_error_response(
        ziel["in_response_to"], ziel["destination"],
        (samlp.STATUS_AUTHN_FAILED, "Die Anmeldung wurde abgebrochen."), sign=True,
        sign_alg=SIG_RSA_SHA256, digest_alg=DIGEST_SHA256))
    return xml, ziel["destination"]


def b64(xml):
    return base64.b64encode(xml.encode("utf-8")).decode("ascii")


def seite(titel, inhalt, status="200 OK"):
    text = (f'<!DOCTYPE html>\n<html lang="de"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f'<title>{html.escape(titel)}</title></head>'
            f'<body><main><h1>{html.escape(titel)}</h1>{inhalt}</main></body></html>')
    return status, "text/html; charset=utf-8", text


def versteckt(name, wert):
    if wert is None:
        return ""
    return f'<input type="hidden" name="{name}" value="{html.escape(wert, quote=True)}">'


def anmeldeformular(idp, saml_request, relay_state, fehler=None):
    hinweis = f'<p role="alert">{html.escape(fehler)}</p>' if fehler else ""
    ziel = html.escape(idp.config.getattr("endpoints", "idp")["single_sign_on_service"][0][0])
    return seite("Anmeldung beim Test-IdP", (
        f'{hinweis}<form method="post" action="{ziel}">'
        f'{versteckt("SAMLRequest", saml_request)}{versteckt("RelayState", relay_state)}'
        '<p><label for="benutzer">Benutzername</label> '
        '<input id="benutzer" name="benutzer" autocomplete="username"></p>'
        '<p><label for="passwort">Passwort</label> '
        '<input id="passwort" name="passwort" type="password" autocomplete="current-password"></p>'
        '<p><button type="submit" name="aktion" value="anmelden">Anmelden</button> '
        '<button type="submit" name="aktion" value="abbrechen">Abbrechen</button></p></form>'
        '<p>Testkonten: basis/basis (Basisregistrierung), elster/elster (substanziell), '
        'eid/eid (hoch).</p>'))


def weiterleitung(titel, xml, ziel, relay_state):
    return seite(titel, (
        f'<form method="post" action="{html.escape(ziel, quote=True)}">'
        f'{versteckt("SAMLResponse", b64(xml))}{versteckt("RelayState", relay_state)}'
        '<p><button type="submit">Weiter zum Portal</button></p></form>'))


def anwendung(idp, verschluesseln):
    def wsgi(umgebung, antworten):
        pfad, methode = umgebung.get("PATH_INFO", ""), umgebung["REQUEST_METHOD"]
        if pfad == "/idp.xml" and methode == "GET":
            ergebnis = ("200 OK", "application/samlmetadata+xml", metadaten(idp))
        elif pfad == "/sso/post" and methode == "POST":
            laenge = int(umgebung.get("CONTENT_LENGTH") or 0)
            formular = parse_qs(umgebung["wsgi.input"].read(laenge).decode("utf-8"))
            ergebnis = sso(idp, verschluesseln, {k: v[0] for k, v in formular.items()})
        else:
            ergebnis = seite("Nicht gefunden", "<p>Diese Seite gibt es nicht.</p>", "404 Not Found")
        status, art, text = ergebnis
        antworten(status, [("Content-Type", art), ("Cache-Control", "no-store")])
        return [text.encode("utf-8")]
    return wsgi


def sso(idp, verschluesseln, formular):
    """POST /sso/post: the login form, its answer, or the form back to the portal."""
    feld = formular.get
    saml_request, relay_state = feld("SAMLRequest"), feld("RelayState")
    try:
        anfrage = anfrage_lesen(idp, saml_request or "")
    except Exception as fehler:  # any refusal by pysaml2: bad signature, XML, destination
        print(f"AuthnRequest abgelehnt: {fehler!r}", file=sys.stderr, flush=True)
        return seite("Ungültige Anfrage",
                     "<p>Die Anmeldeanfrage des Portals ist ungültig.</p>", "400 Bad Request")
    aktion = feld("aktion")
    if aktion == "abbrechen":
        return weiterleitung("Anmeldung abgebrochen", *abbruch(idp, anfrage), relay_state)
    if aktion == "anmelden":
        benutzer = feld("benutzer") or ""
        if benutzer in BENUTZER and feld("passwort") == benutzer:
            return weiterleitung("Anmeldung erfolgreich",
                                 *antwort(idp, anfrage, benutzer, verschluesseln), relay_state)
        return anmeldeformular(idp, saml_request, relay_state,
                               "Benutzername oder Passwort ist falsch.")
    return anmeldeformular(idp, saml_request, relay_state)


def main():
    haupt = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    befehle = haupt.add_subparsers(dest="befehl", required=True)
    serve = befehle.add_parser("serve", help="serve the IdP over HTTP")
    serve.add_argument("--port", type=int, required=True)
    serve.add_argument("--verschluesseln", action="store_true")
    ant = befehle.add_parser("antwort", help="print a base64 SAMLResponse to a request")
    ant.add_argument("--request-b64", required=True)
    ant.add_argument("--benutzer", choices=sorted(BENUTZER), default="eid")
    ant.add_argument("--verschluesseln", action="store_true")
    ant.add_argument("--manipulieren", action="store_true", help="change the surname after signing")
    ant.add_argument("--unsigniert", action="store_true", help="sign neither response nor assertion")
    ant.add_argument("--nur-assertion-signieren", action="store_true",
                     help="sign the assertion, not the response")
    ant.add_argument("--abbrechen", action="store_true", help="the citizen cancelled")
    meta = befehle.add_parser("metadaten", help="print the IdP metadata")
    for teil in (serve, ant, meta):
        teil.add_argument("--base", required=teil is not serve)
        teil.add_argument("--schluessel", required=True, help="IdP private key (PEM)")
        teil.add_argument("--zertifikat", required=True, help="IdP certificate (PEM)")
        teil.add_argument("--sp-metadaten", required=teil is not meta)
    args = haupt.parse_args()
    if args.befehl == "antwort" and args.manipulieren and args.verschluesseln:
        haupt.error("--manipulieren works on a readable assertion, not with --verschluesseln")

    if args.befehl == "metadaten":
        print(metadaten(idp_erzeugen(args)))
    elif args.befehl == "antwort":
        idp = idp_erzeugen(args)
        anfrage = anfrage_lesen(idp, args.request_b64)
        if args.abbrechen:
            xml, _ = abbruch(idp, anfrage)
        else:
            signieren = ("keine" if args.unsigniert
                         else "assertion" if args.nur_assertion_signieren else "beide")
            xml, _ = antwort(idp, anfrage, args.benutzer, args.verschluesseln,
                             args.manipulieren, signieren)
        print(b64(xml))
    else:
        server = make_server("127.0.0.1", args.port, None)  # the app follows: base needs the port
        args.base = (args.base or f"http://127.0.0.1:{server.server_port}").rstrip("/")
        server.set_app(anwendung(idp_erzeugen(args), args.verschluesseln))
        print(f"BEREIT {args.base}/idp.xml", flush=True)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
