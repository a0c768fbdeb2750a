//! The OpenAPI 3.1 document of `/api/v1` (feature `openapi`, which only the server enables): the
//! schemas are utoipa's, derived on the API types (`#[cfg_attr(feature = "openapi",
//! derive(utoipa::ToSchema))]`); the operations come from the route table
//! ([`super::routes::openapi_operations`], written by `endpoints!`): method, path, path and query
//! parameters, request body, answer, the error answer with its codes, security and access. A
//! route whose query, body or answer type has no schema does not compile.
//!
//! The status of a route's answer (200, 201, 202, 204) is the server's: its handler's answer type
//! says it, so the caller of [`document`] passes it in.

use std::collections::BTreeMap;

use serde_json::{Value, json};
use utoipa::openapi::path::{HttpMethod, Operation, OperationBuilder, ParameterBuilder, ParameterIn};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::response::{ResponseBuilder, ResponsesBuilder};
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa::openapi::tag::TagBuilder;
use utoipa::openapi::{
    ComponentsBuilder, ContentBuilder, InfoBuilder, OpenApiBuilder, PathItem, PathsBuilder, RefOr, Required, ServerBuilder,
};
use utoipa::{PartialSchema, ToSchema};

use super::routes::{Access, CsvFile, Empty, Endpoint, EventStream, FileBytes, FileDownload, RouteSpec};
use crate::error::{ApiError, ErrorCode};

/// The security schemes' names in the document.
pub const SESSION_SCHEME: &str = "session";
pub const CSRF_SCHEME: &str = "csrf";
pub const BEARER_SCHEME: &str = "bearer";
/// The session cookie's name (the server sets it at login).
pub const SESSION_COOKIE: &str = "kinmu_session";
/// The error answer's schema name.
pub const ERROR_SCHEMA: &str = "ApiError";

/// A request body or an answer as the document shows it: JSON for every type with a schema,
/// or one of the markers (no body, a CSV upload, a file's bytes, a file download, an event stream).
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no schema for the OpenAPI document",
    note = "add `#[cfg_attr(feature = \"openapi\", derive(utoipa::ToSchema))]` to the type and to the types it holds (ARCHITECTURE.md, \"The OpenAPI document is generated from the route table\")"
)]
pub trait Documented {
    /// Its media types with their schema (none: no body).
    fn content(schemas: &mut Schemas) -> Vec<(&'static str, RefOr<Schema>)>;
}

impl<T: ToSchema> Documented for T {
    fn content(schemas: &mut Schemas) -> Vec<(&'static str, RefOr<Schema>)> {
        vec![("application/json", schemas.of::<T>())]
    }
}

impl Documented for Empty {
    fn content(_: &mut Schemas) -> Vec<(&'static str, RefOr<Schema>)> {
        Vec::new()
    }
}

fn binary(description: &str) -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .format(Some(utoipa::openapi::SchemaFormat::Custom("binary".into())))
        .description(Some(description))
        .into()
}

impl Documented for CsvFile {
    fn content(_: &mut Schemas) -> Vec<(&'static str, RefOr<Schema>)> {
        vec![("text/csv", binary("The CSV file's bytes as saved: UTF-8 (with or without BOM) or Shift_JIS."))]
    }
}

impl Documented for FileBytes {
    fn content(_: &mut Schemas) -> Vec<(&'static str, RefOr<Schema>)> {
        vec![("application/octet-stream", binary("The file's bytes."))]
    }
}

/// The media type of an Excel file.
pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

impl Documented for FileDownload {
    fn content(_: &mut Schemas) -> Vec<(&'static str, RefOr<Schema>)> {
        // The Excel type is added by `operation` for routes whose query has a `format`.
        vec![("text/csv", binary("A CSV file (charset=utf-8, with a BOM unless `encoding` says otherwise, or charset=shift_jis)."))]
    }
}

impl Documented for EventStream {
    fn content(_: &mut Schemas) -> Vec<(&'static str, RefOr<Schema>)> {
        vec![("text/event-stream", ObjectBuilder::new().schema_type(Type::String).description(Some("Server-sent events.")).into())]
    }
}

/// The schemas the document refers to, by name.
#[derive(Default)]
pub struct Schemas {
    named: BTreeMap<String, RefOr<Schema>>,
    /// Names given to two different schemas (two types of one name): a test fails on any.
    pub clashes: Vec<String>,
}

impl Schemas {
    fn insert(&mut self, name: String, schema: RefOr<Schema>) {
        match self.named.get(&name) {
            Some(known) if *known != schema => {
                if !self.clashes.contains(&name) {
                    self.clashes.push(name)
                }
            }
            Some(_) => {}
            None => {
                self.named.insert(name, schema);
            }
        }
    }

    /// `T`'s schema: a reference for one of Kinmu's named types, else inline (a list, an
    /// option, a number); every schema it refers to is added.
    pub fn of<T: ToSchema>(&mut self) -> RefOr<Schema> {
        let mut found = Vec::new();
        T::schemas(&mut found);
        for (name, schema) in found {
            self.insert(name, schema);
        }
        let type_name = std::any::type_name::<T>();
        if type_name.starts_with("kinmu_shared::") && !type_name.contains('<') {
            self.insert(T::name().into_owned(), T::schema());
            RefOr::Ref(utoipa::openapi::Ref::from_schema_name(T::name()))
        } else {
            T::schema()
        }
    }

    /// The schemas as JSON, by name.
    fn as_json(&self) -> BTreeMap<String, Value> {
        self.named.iter().map(|(k, v)| (k.clone(), serde_json::to_value(v).unwrap_or(Value::Null))).collect()
    }
}

/// One route's operation, made by `endpoints!` for each route.
pub struct RouteOperation {
    pub route: RouteSpec,
    pub operation: Operation,
}

/// Words of a route type's name: `ListUsers` → "List users".
fn words(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_uppercase() && i > 0 {
            out.push(' ');
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// Who may call a route, as the document says it (also in `x-kinmu-access`).
pub fn access_text(access: Access) -> String {
    match access {
        Access::Public => "public: anyone, logged in or not".into(),
        Access::Session => "session: any logged-in user or API token (the service narrows what they see)".into(),
        Access::SessionOnly => "session-only: a person logged in through a session, never an API token (403 session_only)".into(),
        Access::OwnOr(p) => format!("own-or {}: anyone for their own record; another person's needs the permission {}", p.key(), p.key()),
        Access::Permission(p) => format!("permission {}: a role (or token scope) granting {}", p.key(), p.key()),
    }
}

/// The area a route belongs to (its tag), by the first segment of its path: `system`
/// (health, this document, setup, settings), `session` (login, one's own preferences and tokens),
/// `people` (users, organisations, roles, everyone's tokens), else the segment (`attendance`,
/// `effort`, `updates`).
pub fn area(path: &str) -> &str {
    match path.trim_start_matches('/').split('/').next().unwrap_or_default() {
        "health" | "openapi.json" | "setup" | "settings" => "system",
        "auth" | "me" => "session",
        "users" | "organizations" | "roles" | "tokens" => "people",
        other => other,
    }
}

/// The codes an error answer with `status` may carry.
fn codes_with(status: u16) -> Vec<&'static str> {
    ErrorCode::ALL.iter().filter(|c| c.http_status() == status).map(|c| c.as_str()).collect()
}

fn error_answer(status: u16, why: &str) -> utoipa::openapi::Response {
    let codes = codes_with(status).iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(", ");
    ResponseBuilder::new()
        .description(format!("{why} Codes: {codes}."))
        .content(
            "application/json",
            ContentBuilder::new().schema(Some(RefOr::Ref(utoipa::openapi::Ref::from_schema_name(ERROR_SCHEMA)))).build(),
        )
        .build()
}

/// Route `E`'s operation; `docs` are its doc comment's lines, `status` its answer's status.
pub fn operation<E: Endpoint>(name: &str, docs: &[&str], status: u16, schemas: &mut Schemas) -> RouteOperation
where
    E::Path: ToSchema,
    E::Query: ToSchema,
    E::Body: Documented,
    E::Answer: Documented,
{
    let route = E::ROUTE;
    let lines: Vec<&str> = docs.iter().map(|l| l.trim()).collect();
    let summary = words(name);
    let mut description = lines.join("\n");
    if !description.is_empty() {
        description.push_str("\n\n");
    }
    description.push_str(&format!("Access: {}.", access_text(route.access)));
    let safe = route.method == "GET";

    let mut op = OperationBuilder::new()
        .operation_id(Some(name))
        .summary(Some(summary))
        .description(Some(description))
        .tag(area(route.path))
        .extensions(Some(utoipa::openapi::extensions::ExtensionsBuilder::new().add("x-kinmu-access", access_key(route.access)).build()));

    // Path parameters: one value, of the path type, per `{name}`.
    for segment in route.path.split('/').filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}'))) {
        op = op.parameter(
            ParameterBuilder::new()
                .name(segment)
                .parameter_in(ParameterIn::Path)
                .required(Required::True)
                .schema(Some(schemas.of::<E::Path>())),
        );
    }

    // Query parameters: the query type's fields (a flattened part's too).
    let query = serde_json::to_value(E::Query::schema()).unwrap_or(Value::Null);
    let mut referred = Vec::new();
    E::Query::schemas(&mut referred);
    let nested: BTreeMap<String, Value> =
        referred.iter().map(|(k, v)| (k.clone(), serde_json::to_value(v).unwrap_or(Value::Null))).collect();
    let mut has_format = false;
    for (field, schema, required) in object_fields(&query, &nested) {
        has_format |= field == "format";
        let description = schema.get("description").and_then(Value::as_str).map(str::to_string);
        let schema: RefOr<Schema> = serde_json::from_value(schema).unwrap_or_else(|_| ObjectBuilder::new().into());
        op = op.parameter(
            ParameterBuilder::new()
                .name(field)
                .parameter_in(ParameterIn::Query)
                .required(if required { Required::True } else { Required::False })
                .description(description)
                .schema(Some(schema)),
        );
    }
    for (name, schema) in referred {
        schemas.insert(name, schema);
    }

    // The request body.
    let body = E::Body::content(schemas);
    if !body.is_empty() {
        let mut request = RequestBodyBuilder::new().required(Some(Required::True));
        for (media, schema) in body {
            request = request.content(media, ContentBuilder::new().schema(Some(schema)).build());
        }
        op = op.request_body(Some(request.build()));
    }

    // The answer.
    let mut answer = ResponseBuilder::new().description(match status {
        201 => "Created.",
        202 => "Accepted: the work goes on after the answer.",
        204 => "Done; no content.",
        _ => "OK.",
    });
    let mut contents = E::Answer::content(schemas);
    if contents.iter().any(|(m, _)| *m == "text/csv") && route.method == "GET" {
        if has_format {
            contents.push((XLSX, binary("An Excel file (`format=xlsx`).")));
        }
        answer = answer.header(
            "Content-Disposition",
            utoipa::openapi::HeaderBuilder::new()
                .schema(String::schema())
                .description(Some("attachment; filename=\"…\": the file's name."))
                .build(),
        );
    }
    for (media, schema) in contents {
        answer = answer.content(media, ContentBuilder::new().schema(Some(schema)).build());
    }
    let mut responses = ResponsesBuilder::new().response(status.to_string(), answer.build());

    // The error answers this route may give, then any other.
    let has_input = !safe || query.get("properties").is_some() || query.get("allOf").is_some();
    if has_input {
        responses = responses.response("400", error_answer(400, "The request cannot be read (not JSON, a wrong shape)."));
        responses = responses.response("422", error_answer(422, "A value is not valid: `field` names it."));
    }
    if route.access != Access::Public {
        responses = responses.response("401", error_answer(401, "No session, or the API token is unknown, expired or revoked."));
    }
    if route.access != Access::Public || !safe {
        responses = responses.response(
            "403",
            error_answer(403, "Not allowed: the role or the token's scopes lack the permission, or the CSRF header is missing."),
        );
    }
    if route.path.contains('{') {
        responses = responses.response("404", error_answer(404, "Nothing with this id."));
    }
    if route.access != Access::Public {
        let mut limited = error_answer(429, "Too many requests with this API token.");
        limited.headers.insert(
            "Retry-After".into(),
            utoipa::openapi::HeaderBuilder::new().schema(i64::schema()).description(Some("Seconds to wait.")).build(),
        );
        responses = responses.response("429", limited);
    }
    responses = responses.response("default", error_answer_any());
    op = op.responses(responses.build());

    // Who may call it: a session (its cookie, and the CSRF header on a change) or a bearer token.
    let session = if safe {
        SecurityRequirement::new(SESSION_SCHEME, Vec::<String>::new())
    } else {
        SecurityRequirement::new(SESSION_SCHEME, Vec::<String>::new()).add(CSRF_SCHEME, Vec::<String>::new())
    };
    let securities = match route.access {
        Access::Public if safe => vec![SecurityRequirement::default()],
        Access::Public => vec![SecurityRequirement::new(CSRF_SCHEME, Vec::<String>::new())],
        Access::SessionOnly => vec![session],
        Access::Session | Access::OwnOr(_) | Access::Permission(_) => {
            vec![session, SecurityRequirement::new(BEARER_SCHEME, Vec::<String>::new())]
        }
    };
    op = op.securities(Some(securities));

    RouteOperation { route, operation: op.build() }
}

fn error_answer_any() -> utoipa::openapi::Response {
    ResponseBuilder::new()
        .description("Any other failure (409 conflict, 423 locked, 500, 503…): the error answer with its stable code.")
        .content(
            "application/json",
            ContentBuilder::new().schema(Some(RefOr::Ref(utoipa::openapi::Ref::from_schema_name(ERROR_SCHEMA)))).build(),
        )
        .build()
}

/// `x-kinmu-access`: `public`, `session`, `session-only`, `own-or:<permission>`, `permission:<permission>`.
pub fn access_key(access: Access) -> String {
    match access {
        Access::Public => "public".into(),
        Access::Session => "session".into(),
        Access::SessionOnly => "session-only".into(),
        Access::OwnOr(p) => format!("own-or:{}", p.key()),
        Access::Permission(p) => format!("permission:{}", p.key()),
    }
}

/// The fields of an object schema (and of the parts of an `allOf`, references looked up in
/// `nested`): name, schema, required.
fn object_fields(schema: &Value, nested: &BTreeMap<String, Value>) -> Vec<(String, Value, bool)> {
    let mut out = Vec::new();
    if let Some(parts) = schema.get("allOf").and_then(Value::as_array) {
        for part in parts {
            let part = match part.get("$ref").and_then(Value::as_str) {
                Some(r) => nested.get(r.rsplit('/').next().unwrap_or_default()).cloned().unwrap_or(Value::Null),
                None => part.clone(),
            };
            out.extend(object_fields(&part, nested));
        }
        return out;
    }
    let required: Vec<&str> =
        schema.get("required").and_then(Value::as_array).map(|r| r.iter().filter_map(Value::as_str).collect()).unwrap_or_default();
    if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
        for (name, property) in properties {
            out.push((name.clone(), property.clone(), required.contains(&name.as_str())));
        }
    }
    out
}

/// The whole document: every route of `operations`, the schemas, the security schemes;
/// `base` is the server's base path (`""` or `/kinmu`). As JSON, with every inline schema
/// that equals a named one replaced by its reference.
pub fn document(operations: Vec<RouteOperation>, mut schemas: Schemas, base: &str) -> Value {
    schemas.insert(ERROR_SCHEMA.into(), ApiError::schema());
    let mut found = Vec::new();
    ApiError::schemas(&mut found);
    for (name, schema) in found {
        schemas.insert(name, schema);
    }
    let mut paths = PathsBuilder::new();
    let mut areas: Vec<String> = Vec::new();
    for RouteOperation { route, operation } in operations {
        let area = area(route.path).to_string();
        if !areas.contains(&area) {
            areas.push(area);
        }
        let method = match route.method {
            "GET" => HttpMethod::Get,
            "POST" => HttpMethod::Post,
            "PUT" => HttpMethod::Put,
            "DELETE" => HttpMethod::Delete,
            "PATCH" => HttpMethod::Patch,
            other => unreachable!("the route table has no method {other}"),
        };
        paths = paths.path(route.path, PathItem::new(method, operation));
    }
    let mut components = ComponentsBuilder::new()
        .security_scheme(
            SESSION_SCHEME,
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                SESSION_COOKIE,
                "The session cookie that `POST /auth/login` sets (the UI's way in).",
            ))),
        )
        .security_scheme(
            CSRF_SCHEME,
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                crate::CSRF_HEADER,
                "Any value: with a session, every request but GET must carry this header (a bearer token needs none).",
            ))),
        )
        .security_scheme(
            BEARER_SCHEME,
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "A personal API token (made on the preferences page, or `POST /me/tokens`): `Authorization: Bearer <secret>`. \
                         It acts as its person within its scopes; no cookie, no CSRF header.",
                    ))
                    .build(),
            ),
        );
    for (name, schema) in std::mem::take(&mut schemas.named) {
        components = components.schema(name.clone(), schema.clone());
        schemas.named.insert(name, schema);
    }
    let info = InfoBuilder::new()
        .title("Kinmu API")
        .version(env!("CARGO_PKG_VERSION"))
        .description(Some(
            "Every route of Kinmu's HTTP API, generated from its route table. Call it with a session (log in, then send the cookie, \
             and the `x-kinmu-request` header on every request but GET) or with a personal API token as `Authorization: Bearer`. \
             Failures answer `{code, message, field?}` with a stable `code`; messages follow the caller's language.",
        ))
        .build();
    let api = OpenApiBuilder::new()
        .info(info)
        .servers(Some([ServerBuilder::new().url(format!("{base}{}", crate::API_PREFIX)).build()]))
        .paths(paths.build())
        .components(Some(components.build()))
        .tags(Some(areas.iter().map(|a| TagBuilder::new().name(a).build())))
        .build();
    let mut doc = serde_json::to_value(&api).unwrap_or_else(|_| json!({}));
    let mut named = schemas.as_json();
    // A primitive named through a type alias (`Option<Id>` refers to `i64`) is written in place.
    let primitives: BTreeMap<String, Value> =
        named.iter().filter(|(k, _)| k.starts_with(|c: char| c.is_lowercase())).map(|(k, v)| (k.clone(), v.clone())).collect();
    inline_primitives(&mut doc, &primitives);
    if let Some(components) = doc.pointer_mut("/components/schemas").and_then(Value::as_object_mut) {
        components.retain(|k, _| !primitives.contains_key(k));
    }
    named.retain(|k, _| !primitives.contains_key(k));
    if let Some(paths) = doc.get_mut("paths") {
        refer_to_named(paths, &named);
    }
    doc
}

fn inline_primitives(value: &mut Value, primitives: &BTreeMap<String, Value>) {
    match value {
        Value::Object(map) => {
            let target = map
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| r.strip_prefix("#/components/schemas/"))
                .and_then(|n| primitives.get(n));
            if let Some(schema) = target {
                *value = schema.clone();
                return;
            }
            map.values_mut().for_each(|v| inline_primitives(v, primitives));
        }
        Value::Array(items) => items.iter_mut().for_each(|v| inline_primitives(v, primitives)),
        _ => {}
    }
}

/// Replaces each inline schema under `value` that equals a named one by its reference (a list of
/// users refers to `User` instead of repeating it). Only objects, enums and compositions: a
/// plain `{"type": "string"}` stays as it is.
fn refer_to_named(value: &mut Value, named: &BTreeMap<String, Value>) {
    match value {
        Value::Object(map) => {
            let composite = ["properties", "enum", "oneOf", "allOf", "anyOf"].iter().any(|k| map.contains_key(*k));
            if composite && let Some((name, _)) = named.iter().find(|(_, s)| s.as_object() == Some(&*map)) {
                *value = json!({ "$ref": format!("#/components/schemas/{name}") });
                return;
            }
            for v in map.values_mut() {
                refer_to_named(v, named);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| refer_to_named(v, named)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn route_names_read_as_words() {
        assert_eq!(words("ListUsers"), "List users");
        assert_eq!(area("/attendance/reports/{kind}"), "attendance");
        assert_eq!(area("/me/tokens/{id}"), "session");
        assert_eq!(area("/users/{id}/password"), "people");
    }
}
