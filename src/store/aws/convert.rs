//! Lossless conversion between task-definition JSON and aws-sdk-ecs's types.
//!
//! Driven by the SDK's own schemas (`aws_smithy_schema`): every generated ECS type describes its
//! members (names as on the wire, types, nesting) and can be read from any
//! [`ShapeDeserializer`] and written to any [`ShapeSerializer`]. This module implements both
//! over `serde_json::Value`, so every member of the current ECS model — container definitions
//! and all their sub-shapes, every volume kind, proxy configuration, runtime platform,
//! restart policies, `versionConsistency`, `enableFaultInjection`, whatever the SDK version has —
//! converts without a hand-written field list that could fall behind the SDK.
//!
//! JSON → SDK is strict, so that nothing is ever dropped silently: a member the model does not
//! have, a wrong type, `null`, a fraction or an out-of-range number where ECS has an integer is
//! [`StoreError::Invalid`] naming the RFC 6901 pointer of the offending value. As a second line
//! of defence, [`register_request`] writes the request it built back to JSON and compares it
//! with the input: any difference (a member the SDK dropped, a required member the SDK filled
//! in) is `Invalid` too. The one difference allowed is the model's own default: a container
//! definition's `cpu` is a non-optional integer (default 0) in the ECS model, so the SDK always
//! sends it, and a container registered without `cpu` is described with `"cpu": 0` — as ECS
//! itself describes it ([`with_model_defaults`]).
//!
//! SDK → JSON writes members in the model's order (which is ECS's own describe order), map
//! members (`dockerLabels`, `options`) sorted by key (the SDK holds them in a `HashMap`), and
//! timestamps as RFC 3339 (`registeredAt`, `deregisteredAt`, `deleteRequestedAt`). Absent
//! members stay absent.

use std::cell::RefCell;

use aws_sdk_ecs::operation::describe_task_definition::DescribeTaskDefinitionOutput;
use aws_sdk_ecs::operation::register_task_definition::builders::RegisterTaskDefinitionFluentBuilder;
use aws_sdk_ecs::operation::register_task_definition::RegisterTaskDefinitionInput;
use aws_sdk_ecs::types::{Tag, TaskDefinition};
use aws_smithy_schema::serde::{SerdeError, SerializableStruct, ShapeDeserializer, ShapeSerializer};
use aws_smithy_schema::Schema;
use aws_smithy_types::date_time::Format;
use aws_smithy_types::{BigDecimal, BigInteger, Blob, DateTime, Document};
use serde_json::{Map, Number, Value};

use crate::core::document::escape_token;
use crate::store::{shown, DescribedTaskDefinition, StoreError};

// ---------------------------------------------------------------------------------------------
// JSON -> SDK
// ---------------------------------------------------------------------------------------------

/// Parse a register input (tags inside, no read-only fields: see
/// [`crate::core::document::register_input`]) into the SDK's input, strictly. Does not check
/// what [`crate::store::validate_register_input`] checks (family, container list, tags).
pub fn parse_register_input(input: &Value) -> Result<RegisterTaskDefinitionInput, StoreError> {
    strict(input, |de| RegisterTaskDefinitionInput::deserialize(de))
}

/// Parse a `DescribeTaskDefinition` task definition (read-only fields included) strictly.
pub fn parse_task_definition(td: &Value) -> Result<TaskDefinition, StoreError> {
    strict(td, |de| TaskDefinition::deserialize(de))
}

/// The RegisterTaskDefinition request for `input`, on a client's fluent builder: every member
/// of the parsed input is set, and the request is checked to carry exactly `input` (see the
/// module documentation).
#[allow(deprecated)] // set_inference_accelerators: see above
pub fn register_request(
    mut request: RegisterTaskDefinitionFluentBuilder,
    input: &Value,
) -> Result<RegisterTaskDefinitionFluentBuilder, StoreError> {
    let parsed = parse_register_input(input)?;
    // inferenceAccelerators is deprecated in the model (Elastic Inference ended) but still a
    // member: a document that has it is carried, not dropped.
    #[allow(deprecated)]
    let inference_accelerators = parsed.inference_accelerators;
    request = request
        .set_family(parsed.family)
        .set_task_role_arn(parsed.task_role_arn)
        .set_execution_role_arn(parsed.execution_role_arn)
        .set_network_mode(parsed.network_mode)
        .set_container_definitions(parsed.container_definitions)
        .set_volumes(parsed.volumes)
        .set_placement_constraints(parsed.placement_constraints)
        .set_requires_compatibilities(parsed.requires_compatibilities)
        .set_cpu(parsed.cpu)
        .set_memory(parsed.memory)
        .set_tags(parsed.tags)
        .set_pid_mode(parsed.pid_mode)
        .set_ipc_mode(parsed.ipc_mode)
        .set_proxy_configuration(parsed.proxy_configuration)
        .set_inference_accelerators(inference_accelerators)
        .set_ephemeral_storage(parsed.ephemeral_storage)
        .set_runtime_platform(parsed.runtime_platform)
        .set_enable_fault_injection(parsed.enable_fault_injection);
    // What will be sent, back as JSON: a member this function forgot to set (a newer SDK) or
    // one the SDK filled in shows up here.
    let built = request
        .as_input()
        .clone()
        .build()
        .map_err(|e| StoreError::invalid("", format!("the RegisterTaskDefinition request cannot be built: {e}")))?;
    let carried = to_value(&built).map_err(|e| StoreError::invalid("", e))?;
    check_carried(input, &carried)?;
    Ok(request)
}

/// `input` with the ECS model's defaults the SDK always sends filled in: `"cpu": 0` in every
/// container definition without `cpu`. What [`register_request`] sends for `input`.
pub fn with_model_defaults(input: &Value) -> Value {
    let mut v = input.clone();
    if let Some(list) = v.get_mut("containerDefinitions").and_then(Value::as_array_mut) {
        for c in list.iter_mut().filter_map(Value::as_object_mut) {
            if !c.contains_key("cpu") {
                c.insert("cpu".into(), Value::from(0));
            }
        }
    }
    v
}

/// The first error found while reading, with where it was.
#[derive(Default)]
struct Failure(RefCell<Option<(String, String)>>);

/// For tests: which members of each structure a document had (shape name → members, seen).
#[cfg(test)]
type Coverage = RefCell<std::collections::BTreeMap<String, (Vec<String>, std::collections::BTreeSet<String>)>>;

/// For tests: read `value` like [`strict`] and report every member of every structure reached
/// that `value` does not have (`Shape.member`).
#[cfg(test)]
fn uncovered<T>(
    value: &Value,
    read: impl FnOnce(&mut dyn ShapeDeserializer) -> Result<T, SerdeError>,
) -> Result<Vec<String>, StoreError> {
    let failure = Failure::default();
    let coverage = Coverage::default();
    let mut de = Strict { value, pointer: String::new(), failure: &failure, coverage: Some(&coverage) };
    if let Err(e) = read(&mut de) {
        let (pointer, message) = failure.0.into_inner().unwrap_or_default();
        return Err(StoreError::invalid(pointer, format!("{message} {e}")));
    }
    let mut missing = Vec::new();
    for (shape, (members, seen)) in coverage.into_inner() {
        missing.extend(members.iter().filter(|m| !seen.contains(*m)).map(|m| format!("{shape}.{m}")));
    }
    Ok(missing)
}

fn strict<T>(
    value: &Value,
    read: impl FnOnce(&mut dyn ShapeDeserializer) -> Result<T, SerdeError>,
) -> Result<T, StoreError> {
    let failure = Failure::default();
    let mut de = Strict {
        value,
        pointer: String::new(),
        failure: &failure,
        #[cfg(test)]
        coverage: None,
    };
    match read(&mut de) {
        Ok(v) => Ok(v),
        Err(e) => Err(match failure.0.into_inner() {
            Some((pointer, message)) => StoreError::invalid(pointer, message),
            // An error the generated code raised itself (it has none today).
            None => StoreError::invalid("", format!("the task definition cannot be converted for ECS: {e}")),
        }),
    }
}

/// A strict [`ShapeDeserializer`] over one JSON value, knowing where it is.
struct Strict<'v, 'f> {
    value: &'v Value,
    pointer: String,
    failure: &'f Failure,
    #[cfg(test)]
    coverage: Option<&'f Coverage>,
}

impl<'v, 'f> Strict<'v, 'f> {
    fn child(&self, value: &'v Value, token: &str) -> Strict<'v, 'f> {
        Strict {
            value,
            pointer: format!("{}/{}", self.pointer, escape_token(token)),
            failure: self.failure,
            #[cfg(test)]
            coverage: self.coverage,
        }
    }

    /// Record the first failure (where and what) and turn it into the SDK's error type.
    fn fail(&self, pointer: &str, message: String) -> SerdeError {
        let mut slot = self.failure.0.borrow_mut();
        if slot.is_none() {
            *slot = Some((pointer.to_string(), message.clone()));
        }
        SerdeError::custom(message)
    }

    fn wrong_type(&self, expected: &str) -> SerdeError {
        let hint = if self.value.is_null() { " (leave the field out instead of null)" } else { "" };
        self.fail(
            &self.pointer,
            format!(
                "Invalid type for parameter {}: expected {expected}, found {}{hint}",
                path_of(&self.pointer),
                describe(self.value)
            ),
        )
    }

    fn number(&self, expected: &str) -> Result<&'v Number, SerdeError> {
        match self.value {
            Value::Number(n) => Ok(n),
            _ => Err(self.wrong_type(expected)),
        }
    }

    /// A whole number in `min..=max` (`kind` names the range for the message).
    fn whole(&self, min: i64, max: i64, kind: &str) -> Result<i64, SerdeError> {
        let n = self.number(&format!("an {kind}"))?;
        match n.as_i64() {
            Some(i) if (min..=max).contains(&i) => Ok(i),
            Some(_) => Err(self.out_of_range(n, min, max, kind)),
            None if n.is_u64() => Err(self.out_of_range(n, min, max, kind)),
            None => Err(self.fail(
                &self.pointer,
                format!(
                    "Invalid value for parameter {}: expected an {kind} (a whole number), found {n}",
                    path_of(&self.pointer)
                ),
            )),
        }
    }

    fn out_of_range(&self, n: &Number, min: i64, max: i64, kind: &str) -> SerdeError {
        self.fail(
            &self.pointer,
            format!(
                "Invalid value for parameter {}: {n} is out of range for an {kind} ({min} to {max})",
                path_of(&self.pointer)
            ),
        )
    }

    fn unsupported(&self, what: &str) -> SerdeError {
        self.fail(&self.pointer, format!("{} is {what}, which ecs-lens cannot carry to ECS", path_of(&self.pointer)))
    }
}

impl ShapeDeserializer for Strict<'_, '_> {
    fn read_struct(
        &mut self,
        schema: &Schema<'_>,
        state: &mut dyn FnMut(&Schema<'_>, &mut dyn ShapeDeserializer) -> Result<(), SerdeError>,
    ) -> Result<(), SerdeError> {
        let Value::Object(map) = self.value else { return Err(self.wrong_type("an object")) };
        #[cfg(test)]
        if let Some(coverage) = self.coverage {
            let mut coverage = coverage.borrow_mut();
            let entry = coverage.entry(schema.shape_id().shape_name().to_string()).or_insert_with(|| {
                (
                    schema.members().iter().filter_map(|m| m.member_name()).map(str::to_string).collect(),
                    Default::default(),
                )
            });
            entry.1.extend(map.keys().cloned());
        }
        if schema.is_union() && map.len() != 1 {
            let names: Vec<&str> = schema.members().iter().filter_map(|m| m.member_name()).collect();
            return Err(self.fail(
                &self.pointer,
                format!(
                    "{} must have exactly one of: {} (found {})",
                    path_of(&self.pointer),
                    names.join(", "),
                    map.len()
                ),
            ));
        }
        for (key, value) in map {
            let mut child = self.child(value, key);
            let Some(member) = schema.member_schema(key) else {
                let names: Vec<&str> = schema.members().iter().filter_map(|m| m.member_name()).collect();
                return Err(self.fail(
                    &child.pointer,
                    format!(
                        "Unknown parameter in {}: \"{}\", must be one of: {}",
                        path_of(&self.pointer),
                        shown(key),
                        names.join(", ")
                    ),
                ));
            };
            if let Err(e) = state(member, &mut child) {
                // An error of the SDK's own (not one of ours, which are recorded already).
                let message = format!("{}: {e}", path_of(&child.pointer));
                return Err(self.fail(&child.pointer, message));
            }
        }
        Ok(())
    }

    fn read_list(
        &mut self,
        _schema: &Schema<'_>,
        state: &mut dyn FnMut(&mut dyn ShapeDeserializer) -> Result<(), SerdeError>,
    ) -> Result<(), SerdeError> {
        let Value::Array(items) = self.value else { return Err(self.wrong_type("a list")) };
        for (i, item) in items.iter().enumerate() {
            state(&mut self.child(item, &i.to_string()))?;
        }
        Ok(())
    }

    fn read_map(
        &mut self,
        _schema: &Schema<'_>,
        state: &mut dyn FnMut(String, &mut dyn ShapeDeserializer) -> Result<(), SerdeError>,
    ) -> Result<(), SerdeError> {
        let Value::Object(map) = self.value else { return Err(self.wrong_type("an object (a map)")) };
        for (key, value) in map {
            state(key.clone(), &mut self.child(value, key))?;
        }
        Ok(())
    }

    fn read_boolean(&mut self, _schema: &Schema<'_>) -> Result<bool, SerdeError> {
        self.value.as_bool().ok_or_else(|| self.wrong_type("a boolean"))
    }

    fn read_byte(&mut self, _schema: &Schema<'_>) -> Result<i8, SerdeError> {
        self.whole(i8::MIN.into(), i8::MAX.into(), "8-bit integer").map(|i| i as i8)
    }

    fn read_short(&mut self, _schema: &Schema<'_>) -> Result<i16, SerdeError> {
        self.whole(i16::MIN.into(), i16::MAX.into(), "16-bit integer").map(|i| i as i16)
    }

    fn read_integer(&mut self, _schema: &Schema<'_>) -> Result<i32, SerdeError> {
        self.whole(i32::MIN.into(), i32::MAX.into(), "integer").map(|i| i as i32)
    }

    fn read_long(&mut self, _schema: &Schema<'_>) -> Result<i64, SerdeError> {
        self.whole(i64::MIN, i64::MAX, "integer")
    }

    fn read_float(&mut self, _schema: &Schema<'_>) -> Result<f32, SerdeError> {
        let n = self.number("a number")?;
        match n.as_f64() {
            // Only values an f32 holds exactly: anything else would come back different.
            Some(f) if n.is_f64() && f64::from(f as f32) == f => Ok(f as f32),
            _ => Err(self.fail(
                &self.pointer,
                format!(
                    "Invalid value for parameter {}: {n} cannot be carried exactly as a 32-bit float",
                    path_of(&self.pointer)
                ),
            )),
        }
    }

    fn read_double(&mut self, _schema: &Schema<'_>) -> Result<f64, SerdeError> {
        let n = self.number("a number")?;
        match n.as_f64() {
            // A whole number would come back as `5.0`: refuse rather than change the text.
            Some(f) if n.is_f64() => Ok(f),
            _ => Err(self.fail(
                &self.pointer,
                format!(
                    "Invalid value for parameter {}: expected a number with a decimal point (e.g. {n}.0), found {n}",
                    path_of(&self.pointer)
                ),
            )),
        }
    }

    fn read_big_integer(&mut self, _schema: &Schema<'_>) -> Result<BigInteger, SerdeError> {
        Err(self.unsupported("a big integer"))
    }

    fn read_big_decimal(&mut self, _schema: &Schema<'_>) -> Result<BigDecimal, SerdeError> {
        Err(self.unsupported("a big decimal"))
    }

    fn read_string(&mut self, _schema: &Schema<'_>) -> Result<String, SerdeError> {
        self.value.as_str().map(str::to_string).ok_or_else(|| self.wrong_type("a string"))
    }

    fn read_blob(&mut self, _schema: &Schema<'_>) -> Result<Blob, SerdeError> {
        Err(self.unsupported("a blob"))
    }

    fn read_timestamp(&mut self, _schema: &Schema<'_>) -> Result<DateTime, SerdeError> {
        match self.value {
            Value::String(s) => DateTime::from_str(s, Format::DateTime).map_err(|e| {
                self.fail(
                    &self.pointer,
                    format!(
                        "Invalid value for parameter {}: `{}` is not an RFC 3339 timestamp ({e})",
                        path_of(&self.pointer),
                        shown(s)
                    ),
                )
            }),
            Value::Number(n) => match n.as_f64() {
                Some(secs) if secs.is_finite() => Ok(DateTime::from_secs_f64(secs)),
                _ => Err(self.wrong_type("a timestamp")),
            },
            _ => Err(self.wrong_type("a timestamp (RFC 3339 text)")),
        }
    }

    fn read_document(&mut self, _schema: &Schema<'_>) -> Result<Document, SerdeError> {
        Err(self.unsupported("a free-form document"))
    }

    /// Never: a `null` member would be dropped by the generated code, so it is read (and
    /// refused as the wrong type) instead.
    fn is_null(&self) -> bool {
        false
    }

    fn container_size(&self) -> Option<usize> {
        match self.value {
            Value::Array(a) => Some(a.len()),
            Value::Object(o) => Some(o.len()),
            _ => None,
        }
    }
}

/// `/containerDefinitions/0/cpu` → `containerDefinitions[0].cpu` (how botocore and ECS name
/// parameters); `""` → `input`.
pub fn path_of(pointer: &str) -> String {
    if pointer.is_empty() {
        return "input".into();
    }
    let mut out = String::new();
    for token in pointer.split('/').skip(1) {
        let token = crate::core::document::unescape_token(token);
        if !token.is_empty() && token.bytes().all(|b| b.is_ascii_digit()) && !out.is_empty() {
            out.push('[');
            out.push_str(&token);
            out.push(']');
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(&shown(&token));
        }
    }
    out
}

/// What a value is, for "expected …, found …": a number with its value, else its JSON type in
/// the core's words.
fn describe(v: &Value) -> String {
    match v {
        Value::Number(n) => format!("the number {n}"),
        other => crate::core::rules::kit::json_type(other).into(),
    }
}

/// Compare what will be sent (`carried`) with what was given (`input`).
fn check_carried(input: &Value, carried: &Value) -> Result<(), StoreError> {
    let mut pointer = String::new();
    check_carried_at(input, carried, &mut pointer)
}

fn check_carried_at(input: &Value, carried: &Value, pointer: &mut String) -> Result<(), StoreError> {
    match (input, carried) {
        (Value::Object(given), Value::Object(sent)) => {
            for (key, value) in given {
                let len = pointer.len();
                pointer.push('/');
                pointer.push_str(&escape_token(key));
                match sent.get(key) {
                    Some(s) => check_carried_at(value, s, pointer)?,
                    None => {
                        return Err(StoreError::invalid(
                            pointer.clone(),
                            format!("{} cannot be sent to ECS: the SDK has no place for it", path_of(pointer)),
                        ))
                    }
                }
                pointer.truncate(len);
            }
            for (key, value) in sent {
                if !given.contains_key(key) && !is_model_default(pointer, key, value) {
                    return Err(StoreError::invalid(
                        pointer.clone(),
                        format!("Missing required parameter in {}: \"{}\"", path_of(pointer), shown(key)),
                    ));
                }
            }
            Ok(())
        }
        (Value::Array(given), Value::Array(sent)) if given.len() == sent.len() => {
            for (i, (g, s)) in given.iter().zip(sent).enumerate() {
                let len = pointer.len();
                pointer.push('/');
                pointer.push_str(&i.to_string());
                check_carried_at(g, s, pointer)?;
                pointer.truncate(len);
            }
            Ok(())
        }
        (g, s) if g == s => Ok(()),
        (g, s) => Err(StoreError::invalid(
            pointer.clone(),
            format!(
                "{} cannot be carried to ECS exactly: {} would be sent as {}",
                path_of(pointer),
                short(g),
                short(s)
            ),
        )),
    }
}

/// A member the SDK sends although the input did not have it, because the ECS model gives it a
/// default: `cpu` (0) of a container definition.
fn is_model_default(pointer: &str, key: &str, value: &Value) -> bool {
    let mut tokens = pointer.split('/').skip(1);
    let in_container = tokens.next() == Some("containerDefinitions")
        && tokens.next().is_some_and(|i| !i.is_empty() && i.bytes().all(|b| b.is_ascii_digit()))
        && tokens.next().is_none();
    in_container && key == "cpu" && value == &Value::from(0)
}

fn short(v: &Value) -> String {
    let text = v.to_string();
    shown(&text)
}

// ---------------------------------------------------------------------------------------------
// SDK -> JSON
// ---------------------------------------------------------------------------------------------

/// Any SDK structure as JSON (members in model order, absent members absent).
pub fn to_value(s: &dyn SerializableStruct) -> Result<Value, String> {
    let mut ser = ToValue { sink: Sink::One(None) };
    ser.write_struct(s.schema(), s)
        .map_err(|e| format!("cannot write {} as JSON: {e}", s.schema().shape_id().shape_name()))?;
    match ser.sink {
        Sink::One(Some(v)) => Ok(v),
        _ => Err("nothing was written".into()),
    }
}

/// A task definition and its tags as ECS describes them (`{"taskDefinition", "tags"}`).
pub fn described(td: &TaskDefinition, tags: &[Tag]) -> Result<DescribedTaskDefinition, StoreError> {
    let unreadable =
        |e: String| StoreError::unavailable(format!("ECS answered with a task definition ecs-lens cannot read: {e}"));
    let task_definition = to_value(td).map_err(unreadable)?;
    let tags = tags.iter().map(|t| to_value(t)).collect::<Result<Vec<_>, _>>().map_err(unreadable)?;
    Ok(DescribedTaskDefinition { task_definition, tags })
}

/// [`described`] of a whole `DescribeTaskDefinition` answer (`None` without a task definition).
pub fn described_output(out: &DescribeTaskDefinitionOutput) -> Result<Option<DescribedTaskDefinition>, StoreError> {
    out.task_definition().map(|td| described(td, out.tags())).transpose()
}

enum Sink {
    One(Option<Value>),
    Struct(Map<String, Value>),
    List(Vec<Value>),
    Map { entries: Vec<(String, Value)>, key: Option<String> },
}

/// A [`ShapeSerializer`] building a `serde_json::Value`.
struct ToValue {
    sink: Sink,
}

impl ToValue {
    fn emit(&mut self, schema: &Schema<'_>, value: Value) -> Result<(), SerdeError> {
        match &mut self.sink {
            Sink::One(slot) => *slot = Some(value),
            Sink::Struct(map) => {
                let name = schema.member_name().ok_or_else(|| {
                    SerdeError::custom(format!("a member of a structure has no name ({})", schema.shape_id().as_str()))
                })?;
                map.insert(name.to_string(), value);
            }
            Sink::List(items) => items.push(value),
            Sink::Map { entries, key } => match key.take() {
                Some(k) => entries.push((k, value)),
                None => match value {
                    Value::String(k) => *key = Some(k),
                    other => return Err(SerdeError::custom(format!("a map key must be a string, not {other}"))),
                },
            },
        }
        Ok(())
    }

    fn nested(
        &mut self,
        schema: &Schema<'_>,
        sink: Sink,
        write: impl FnOnce(&mut ToValue) -> Result<(), SerdeError>,
    ) -> Result<(), SerdeError> {
        let mut child = ToValue { sink };
        write(&mut child)?;
        let value = match child.sink {
            Sink::Struct(map) => Value::Object(map),
            Sink::List(items) => Value::Array(items),
            Sink::Map { mut entries, key: None } => {
                entries.sort_by(|a, b| a.0.cmp(&b.0));
                Value::Object(entries.into_iter().collect())
            }
            Sink::Map { key: Some(k), .. } => return Err(SerdeError::custom(format!("map key `{k}` has no value"))),
            Sink::One(v) => v.unwrap_or(Value::Null),
        };
        self.emit(schema, value)
    }
}

impl ShapeSerializer for ToValue {
    fn write_struct(&mut self, schema: &Schema<'_>, value: &dyn SerializableStruct) -> Result<(), SerdeError> {
        self.nested(schema, Sink::Struct(Map::new()), |child| value.serialize_members(child))
    }

    fn write_list(
        &mut self,
        schema: &Schema<'_>,
        write_elements: &dyn Fn(&mut dyn ShapeSerializer) -> Result<(), SerdeError>,
    ) -> Result<(), SerdeError> {
        self.nested(schema, Sink::List(Vec::new()), |child| write_elements(child))
    }

    fn write_map(
        &mut self,
        schema: &Schema<'_>,
        write_entries: &dyn Fn(&mut dyn ShapeSerializer) -> Result<(), SerdeError>,
    ) -> Result<(), SerdeError> {
        self.nested(schema, Sink::Map { entries: Vec::new(), key: None }, |child| write_entries(child))
    }

    fn write_boolean(&mut self, schema: &Schema<'_>, value: bool) -> Result<(), SerdeError> {
        self.emit(schema, Value::Bool(value))
    }

    fn write_byte(&mut self, schema: &Schema<'_>, value: i8) -> Result<(), SerdeError> {
        self.emit(schema, Value::from(value))
    }

    fn write_short(&mut self, schema: &Schema<'_>, value: i16) -> Result<(), SerdeError> {
        self.emit(schema, Value::from(value))
    }

    fn write_integer(&mut self, schema: &Schema<'_>, value: i32) -> Result<(), SerdeError> {
        self.emit(schema, Value::from(value))
    }

    fn write_long(&mut self, schema: &Schema<'_>, value: i64) -> Result<(), SerdeError> {
        self.emit(schema, Value::from(value))
    }

    fn write_float(&mut self, schema: &Schema<'_>, value: f32) -> Result<(), SerdeError> {
        self.write_double(schema, f64::from(value))
    }

    fn write_double(&mut self, schema: &Schema<'_>, value: f64) -> Result<(), SerdeError> {
        let n = Number::from_f64(value).ok_or_else(|| SerdeError::custom(format!("{value} is not a JSON number")))?;
        self.emit(schema, Value::Number(n))
    }

    fn write_big_integer(&mut self, schema: &Schema<'_>, value: &BigInteger) -> Result<(), SerdeError> {
        let n: Number = value.as_ref().parse().map_err(|e| SerdeError::custom(format!("big integer: {e}")))?;
        self.emit(schema, Value::Number(n))
    }

    fn write_big_decimal(&mut self, schema: &Schema<'_>, value: &BigDecimal) -> Result<(), SerdeError> {
        let n: Number = value.as_ref().parse().map_err(|e| SerdeError::custom(format!("big decimal: {e}")))?;
        self.emit(schema, Value::Number(n))
    }

    fn write_string(&mut self, schema: &Schema<'_>, value: &str) -> Result<(), SerdeError> {
        self.emit(schema, Value::String(value.to_string()))
    }

    fn write_blob(&mut self, _schema: &Schema<'_>, _value: Blob) -> Result<(), SerdeError> {
        Err(SerdeError::unsupported("blobs do not occur in task definitions"))
    }

    fn write_timestamp(&mut self, schema: &Schema<'_>, value: &DateTime) -> Result<(), SerdeError> {
        let text = value.fmt(Format::DateTime).map_err(|e| SerdeError::custom(format!("timestamp: {e}")))?;
        self.emit(schema, Value::String(text))
    }

    fn write_document(&mut self, schema: &Schema<'_>, value: &Document) -> Result<(), SerdeError> {
        self.emit(schema, document_to_value(value)?)
    }

    fn write_null(&mut self, schema: &Schema<'_>) -> Result<(), SerdeError> {
        self.emit(schema, Value::Null)
    }
}

fn document_to_value(d: &Document) -> Result<Value, SerdeError> {
    use aws_smithy_types::Number as N;
    Ok(match d {
        Document::Object(map) => {
            let mut entries: Vec<_> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            Value::Object(
                entries
                    .into_iter()
                    .map(|(k, v)| Ok((k.clone(), document_to_value(v)?)))
                    .collect::<Result<_, SerdeError>>()?,
            )
        }
        Document::Array(items) => Value::Array(items.iter().map(document_to_value).collect::<Result<_, _>>()?),
        Document::Number(N::PosInt(u)) => Value::from(*u),
        Document::Number(N::NegInt(i)) => Value::from(*i),
        Document::Number(N::Float(f)) => {
            Value::Number(Number::from_f64(*f).ok_or_else(|| SerdeError::custom(format!("{f} is not a JSON number")))?)
        }
        Document::String(s) => Value::String(s.clone()),
        Document::Bool(b) => Value::Bool(*b),
        Document::Null => Value::Null,
        #[allow(unreachable_patterns)]
        _ => return Err(SerdeError::unsupported("an unknown kind of document value")),
    })
}

#[cfg(test)]
mod tests;
