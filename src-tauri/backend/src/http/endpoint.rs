//! How a handler is tied to its route's types (see [`kinmu_shared::api::routes`]): each of its
//! extractors must be an [`Input`] of the route and its answer an [`Answers`] of it, so a handler
//! that reads another body, path or query than its route declares, or answers another type, does
//! not compile.

use std::future::Future;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use kinmu_shared::api::routes::{CsvFile, Empty, Endpoint, EventStream, FileBytes, FileDownload};
use kinmu_shared::api::{CsvExportQuery, Id, ReportKind};
use serde::Serialize;

use super::SharedState;
use super::request_parts::{
    CountedClientRequest, FileUpload, IdParam, JsonBody, KindParam, QueryParams, Session, UploadBody, set_cookie_header,
};
use crate::attendance::reports::{CsvEncoding, encode_text};
use crate::error::Error;

/// An extractor a handler of route `E` may take.
pub trait Input<E> {}

impl<E> Input<E> for State<SharedState> {}
impl<E> Input<E> for Session {}
impl<E> Input<E> for HeaderMap {}
impl<E> Input<E> for CountedClientRequest {}
impl<E: Endpoint<Path = Id>> Input<E> for IdParam {}
impl<E: Endpoint<Path = ReportKind>> Input<E> for KindParam {}
impl<E: Endpoint<Query = T>, T> Input<E> for QueryParams<T> {}
impl<E: Endpoint<Body = T>, T> Input<E> for JsonBody<T> {}
impl<E: Endpoint<Body = CsvFile>> Input<E> for UploadBody {}
impl<E: Endpoint<Body = FileBytes>> Input<E> for FileUpload {}

/// What a handler of route `E` may answer, with the status it answers (the OpenAPI document
/// takes each route's from its handler).
pub trait Answers<E>: IntoResponse {
    const STATUS: u16;
}

impl<E: Endpoint<Answer = T>, T: Serialize> Answers<E> for Json<T> {
    const STATUS: u16 = 200;
}
impl<E: Endpoint<Answer = T>, T: Serialize> Answers<E> for Created<T> {
    const STATUS: u16 = 201;
}
impl<E: Endpoint<Answer = T>, T: Serialize> Answers<E> for Accepted<T> {
    const STATUS: u16 = 202;
}
impl<E: Endpoint<Answer = Empty>> Answers<E> for NoContent {
    const STATUS: u16 = 204;
}
impl<E: Endpoint<Answer = FileDownload>> Answers<E> for Download {
    const STATUS: u16 = 200;
}
impl<E: Endpoint<Answer = EventStream>> Answers<E> for Live {
    const STATUS: u16 = 200;
}
impl<E, R: Answers<E>> Answers<E> for WithCookie<R> {
    const STATUS: u16 = R::STATUS;
}

/// A handler of route `E`: an async fn of [`Input`]s answering `Result<impl Answers<E>>`.
pub trait EndpointHandler<E, Args> {
    /// The status of its answer when it succeeds.
    const STATUS: u16;
}

macro_rules! endpoint_handler {
    ($($t:ident),*) => {
        impl<E, F, Fut, R, $($t,)*> EndpointHandler<E, ($($t,)*)> for F
        where
            F: Fn($($t),*) -> Fut,
            Fut: Future<Output = Result<R, Error>>,
            R: Answers<E>,
            $($t: Input<E>,)*
        {
            const STATUS: u16 = R::STATUS;
        }
    };
}

endpoint_handler!(T1);
endpoint_handler!(T1, T2);
endpoint_handler!(T1, T2, T3);
endpoint_handler!(T1, T2, T3, T4);
endpoint_handler!(T1, T2, T3, T4, T5);

/// 201 Created with the new thing.
pub struct Created<T>(pub T);

impl<T: Serialize> IntoResponse for Created<T> {
    fn into_response(self) -> Response {
        (StatusCode::CREATED, Json(self.0)).into_response()
    }
}

/// 202 Accepted: the work goes on after the answer.
pub struct Accepted<T>(pub T);

impl<T: Serialize> IntoResponse for Accepted<T> {
    fn into_response(self) -> Response {
        (StatusCode::ACCEPTED, Json(self.0)).into_response()
    }
}

/// 204 No Content.
pub struct NoContent;

impl IntoResponse for NoContent {
    fn into_response(self) -> Response {
        StatusCode::NO_CONTENT.into_response()
    }
}

/// An answer that sets (or clears) the session cookie.
pub struct WithCookie<R>(pub HeaderValue, pub R);

impl<R: IntoResponse> IntoResponse for WithCookie<R> {
    fn into_response(self) -> Response {
        (set_cookie_header(self.0), self.1).into_response()
    }
}

/// A file for the browser's save dialog.
pub struct Download {
    pub name: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

impl Download {
    /// A CSV file of `text` (a BOM it starts with is left out) in `encoding`.
    pub fn csv(name: &str, text: &str, encoding: CsvEncoding) -> Self {
        let content_type = match encoding {
            CsvEncoding::ShiftJis => "text/csv; charset=shift_jis",
            CsvEncoding::Utf8 | CsvEncoding::Utf8Bom => "text/csv; charset=utf-8",
        };
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        Download { name: name.to_string(), content_type: content_type.into(), bytes: encode_text(text, encoding) }
    }

    /// A CSV download's encoding: UTF-8 with BOM unless the query names another.
    pub fn csv_encoding(q: &CsvExportQuery) -> Result<CsvEncoding, Error> {
        match q.encoding.as_deref() {
            None => Ok(CsvEncoding::Utf8Bom),
            Some(e) => CsvEncoding::parse(e).ok_or_else(unknown_encoding),
        }
    }
}

/// A CSV encoding the query names that Kinmu does not write.
pub fn unknown_encoding() -> Error {
    Error::invalid(
        "encoding",
        kinmu_shared::messages::Text::new(
            "encoding must be utf-8, utf-8-bom or shift_jis",
            "文字コードは「utf-8」「utf-8-bom」「shift_jis」のいずれかにしてください。",
        ),
    )
}

impl IntoResponse for Download {
    fn into_response(self) -> Response {
        (
            [(header::CONTENT_TYPE, self.content_type), (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{}\"", self.name))],
            self.bytes,
        )
            .into_response()
    }
}

/// Server-sent events until the caller goes away (answers of [`EventStream`] routes), with a
/// comment every 15 seconds so that idle connections stay open.
pub struct Live(Response);

impl Live {
    pub fn new<S>(events: S) -> Live
    where
        S: futures_util::Stream<Item = Result<axum::response::sse::Event, std::convert::Infallible>> + Send + 'static,
    {
        use axum::response::sse::{KeepAlive, Sse};
        // No proxy may hold the events back.
        let headers = [(header::CACHE_CONTROL, "no-cache"), (header::HeaderName::from_static("x-accel-buffering"), "no")];
        Live((headers, Sse::new(events).keep_alive(KeepAlive::default())).into_response())
    }
}

impl IntoResponse for Live {
    fn into_response(self) -> Response {
        self.0
    }
}
