//! The operator's video in German Sign Language, served from the file named by
//! `--gebaerdensprache-video` with its media type and byte ranges (browsers seek in a video by
//! asking for ranges).

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use tokio::io::{AsyncReadExt, AsyncSeekExt};

use crate::hinweise::betreiber::{Betreiber, videotyp};
use crate::kern::{AppState, Fehler};

/// The one byte range of a `Range` header for a file of `laenge` bytes: `Ok(Some((von, bis)))`
/// (inclusive), `Ok(None)` to send the whole file (no range, several ranges, another unit),
/// `Err(())` when the range lies outside the file (416).
pub(super) fn bereich(kopf: &str, laenge: u64) -> Result<Option<(u64, u64)>, ()> {
    let Some(spec) = kopf.trim().strip_prefix("bytes=") else {
        return Ok(None);
    };
    if spec.contains(',') {
        return Ok(None);
    }
    let Some((a, b)) = spec.trim().split_once('-') else {
        return Ok(None);
    };
    let (a, b) = (a.trim(), b.trim());
    let zahl = |s: &str| s.parse::<u64>().map_err(|_| ());
    let (von, bis) = if a.is_empty() {
        // The last `b` bytes.
        let n = zahl(b)?;
        if n == 0 || laenge == 0 {
            return Err(());
        }
        (laenge.saturating_sub(n), laenge - 1)
    } else {
        let von = zahl(a)?;
        let bis = if b.is_empty() {
            laenge.saturating_sub(1)
        } else {
            zahl(b)?.min(laenge.saturating_sub(1))
        };
        (von, bis)
    };
    if von >= laenge || von > bis {
        return Err(());
    }
    Ok(Some((von, bis)))
}

/// GET /gebaerdensprache/video.
pub(super) async fn ausliefern(
    State(st): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, Fehler> {
    let b = st.erweiterung::<Betreiber>();
    let fehlt = || {
        Fehler::nicht_gefunden(
            "Das Video in Deutscher Gebärdensprache ist noch in Vorbereitung. Die Informationen stehen als Text auf der Seite /gebaerdensprache.",
        )
    };
    let Some(pfad) = b.gebaerdensprache_video.clone() else {
        return Err(fehlt());
    };
    let typ = videotyp(&pfad).unwrap_or("application/octet-stream");
    let mut datei = match tokio::fs::File::open(&pfad).await {
        Ok(d) => d,
        Err(e) => {
            tracing::warn!(
                "Video in Gebärdensprache {} nicht lesbar: {e}",
                pfad.display()
            );
            return Err(fehlt());
        }
    };
    let laenge = datei
        .metadata()
        .await
        .map_err(|e| anyhow::anyhow!("Video nicht lesbar: {e}"))?
        .len();
    let range = headers
        .get(header::RANGE)
        .and_then(|v| v.to_str().ok())
        .map_or(Ok(None), |r| bereich(r, laenge));
    let mut res = match range {
        Err(()) => {
            let mut r = StatusCode::RANGE_NOT_SATISFIABLE.into_response();
            if let Ok(v) = HeaderValue::from_str(&format!("bytes */{laenge}")) {
                r.headers_mut().insert(header::CONTENT_RANGE, v);
            }
            return Ok(r);
        }
        Ok(Some((von, bis))) => {
            datei
                .seek(std::io::SeekFrom::Start(von))
                .await
                .map_err(|e| anyhow::anyhow!("Video nicht lesbar: {e}"))?;
            let n = bis - von + 1;
            let body = Body::from_stream(tokio_util::io::ReaderStream::new(datei.take(n)));
            let mut r = (StatusCode::PARTIAL_CONTENT, body).into_response();
            if let Ok(v) = HeaderValue::from_str(&format!("bytes {von}-{bis}/{laenge}")) {
                r.headers_mut().insert(header::CONTENT_RANGE, v);
            }
            r.headers_mut()
                .insert(header::CONTENT_LENGTH, HeaderValue::from(n));
            r
        }
        Ok(None) => {
            let body = Body::from_stream(tokio_util::io::ReaderStream::new(datei));
            let mut r = body.into_response();
            r.headers_mut()
                .insert(header::CONTENT_LENGTH, HeaderValue::from(laenge));
            r
        }
    };
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(typ));
    h.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::bereich;

    #[test]
    fn bereiche() {
        assert_eq!(bereich("bytes=0-99", 1000), Ok(Some((0, 99))));
        assert_eq!(bereich("bytes=500-", 1000), Ok(Some((500, 999))));
        assert_eq!(bereich("bytes=-100", 1000), Ok(Some((900, 999))));
        assert_eq!(bereich("bytes=900-5000", 1000), Ok(Some((900, 999))));
        assert_eq!(bereich("bytes=0-1,5-6", 1000), Ok(None));
        assert_eq!(bereich("items=0-1", 1000), Ok(None));
        assert_eq!(bereich("bytes=1000-", 1000), Err(()));
        assert_eq!(bereich("bytes=5-2", 1000), Err(()));
        assert_eq!(bereich("bytes=x-2", 1000), Err(()));
        assert_eq!(bereich("bytes=-0", 1000), Err(()));
    }
}
