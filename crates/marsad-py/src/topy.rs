//! A serde serializer into Python objects: what `json.loads` makes of `serde_json`'s text for
//! the same value (dicts in field order, lists, str, int, float, None; a non-finite float is
//! None as serde_json writes it null; an f32 is the float of its shortest decimal, as
//! serde_json writes it), without the text. Field names are made once per call and shared.

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyFloat, PyList, PyString};
use serde::ser::{self, Serialize};
use std::cell::RefCell;
use std::collections::HashMap;

#[derive(Debug)]
pub struct Error(pub String);

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

impl ser::Error for Error {
    fn custom<T: std::fmt::Display>(msg: T) -> Self {
        Error(msg.to_string())
    }
}

impl From<std::convert::Infallible> for Error {
    fn from(e: std::convert::Infallible) -> Self {
        match e {}
    }
}

impl From<PyErr> for Error {
    fn from(e: PyErr) -> Self {
        Error(e.to_string())
    }
}

type R<'py> = Result<Bound<'py, PyAny>, Error>;

/// Converts values of one call; keeps the keys it has made.
pub struct ToPy<'py> {
    py: Python<'py>,
    keys: RefCell<HashMap<String, Bound<'py, PyString>>>,
}

impl<'py> ToPy<'py> {
    pub fn new(py: Python<'py>) -> Self {
        ToPy { py, keys: RefCell::new(HashMap::new()) }
    }

    pub fn convert<T: Serialize + ?Sized>(&self, v: &T) -> R<'py> {
        v.serialize(Ser(self))
    }

    fn key(&self, k: &str) -> Bound<'py, PyString> {
        if let Some(s) = self.keys.borrow().get(k) {
            return s.clone();
        }
        let s = PyString::new(self.py, k);
        self.keys.borrow_mut().insert(k.to_string(), s.clone());
        s
    }

    fn float(&self, v: f64) -> Bound<'py, PyAny> {
        if v.is_finite() {
            PyFloat::new(self.py, v).into_any()
        } else {
            self.py.None().into_bound(self.py)
        }
    }
}

#[derive(Clone, Copy)]
struct Ser<'a, 'py>(&'a ToPy<'py>);

pub struct Seq<'a, 'py> {
    c: &'a ToPy<'py>,
    items: Vec<Bound<'py, PyAny>>,
}

pub struct Map<'a, 'py> {
    c: &'a ToPy<'py>,
    dict: Bound<'py, PyDict>,
    key: Option<Bound<'py, PyAny>>,
}

impl<'a, 'py> ser::Serializer for Ser<'a, 'py> {
    type Ok = Bound<'py, PyAny>;
    type Error = Error;
    type SerializeSeq = Seq<'a, 'py>;
    type SerializeTuple = Seq<'a, 'py>;
    type SerializeTupleStruct = Seq<'a, 'py>;
    type SerializeTupleVariant = ser::Impossible<Self::Ok, Error>;
    type SerializeMap = Map<'a, 'py>;
    type SerializeStruct = Map<'a, 'py>;
    type SerializeStructVariant = ser::Impossible<Self::Ok, Error>;

    fn serialize_bool(self, v: bool) -> R<'py> {
        Ok(v.into_pyobject(self.0.py)?.to_owned().into_any())
    }
    fn serialize_i8(self, v: i8) -> R<'py> {
        self.serialize_i64(v.into())
    }
    fn serialize_i16(self, v: i16) -> R<'py> {
        self.serialize_i64(v.into())
    }
    fn serialize_i32(self, v: i32) -> R<'py> {
        self.serialize_i64(v.into())
    }
    fn serialize_i64(self, v: i64) -> R<'py> {
        Ok(v.into_pyobject(self.0.py)?.into_any())
    }
    fn serialize_u8(self, v: u8) -> R<'py> {
        self.serialize_u64(v.into())
    }
    fn serialize_u16(self, v: u16) -> R<'py> {
        self.serialize_u64(v.into())
    }
    fn serialize_u32(self, v: u32) -> R<'py> {
        self.serialize_u64(v.into())
    }
    fn serialize_u64(self, v: u64) -> R<'py> {
        Ok(v.into_pyobject(self.0.py)?.into_any())
    }
    fn serialize_f32(self, v: f32) -> R<'py> {
        // serde_json writes an f32's shortest decimal, which json.loads reads as a double
        Ok(self.0.float(v.to_string().parse::<f64>().unwrap_or(f64::NAN)))
    }
    fn serialize_f64(self, v: f64) -> R<'py> {
        Ok(self.0.float(v))
    }
    fn serialize_char(self, v: char) -> R<'py> {
        self.serialize_str(v.encode_utf8(&mut [0; 4]))
    }
    fn serialize_str(self, v: &str) -> R<'py> {
        Ok(PyString::new(self.0.py, v).into_any())
    }
    fn serialize_bytes(self, v: &[u8]) -> R<'py> {
        // serde_json writes bytes as a list of numbers
        Ok(PyList::new(self.0.py, v)?.into_any())
    }
    fn serialize_none(self) -> R<'py> {
        Ok(self.0.py.None().into_bound(self.0.py))
    }
    fn serialize_some<T: Serialize + ?Sized>(self, v: &T) -> R<'py> {
        v.serialize(self)
    }
    fn serialize_unit(self) -> R<'py> {
        self.serialize_none()
    }
    fn serialize_unit_struct(self, _: &'static str) -> R<'py> {
        self.serialize_none()
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, variant: &'static str) -> R<'py> {
        Ok(self.0.key(variant).into_any())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _: &'static str, v: &T) -> R<'py> {
        v.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(self, _: &'static str, _: u32, variant: &'static str, v: &T) -> R<'py> {
        let d = PyDict::new(self.0.py);
        d.set_item(self.0.key(variant), v.serialize(self)?)?;
        Ok(d.into_any())
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<Seq<'a, 'py>, Error> {
        Ok(Seq { c: self.0, items: Vec::with_capacity(len.unwrap_or(0)) })
    }
    fn serialize_tuple(self, len: usize) -> Result<Seq<'a, 'py>, Error> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(self, _: &'static str, len: usize) -> Result<Seq<'a, 'py>, Error> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(self, name: &'static str, _: u32, variant: &'static str, _: usize) -> Result<Self::SerializeTupleVariant, Error> {
        Err(Error(format!("{name}::{variant}: tuple variants are not converted")))
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Map<'a, 'py>, Error> {
        Ok(Map { c: self.0, dict: PyDict::new(self.0.py), key: None })
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Map<'a, 'py>, Error> {
        self.serialize_map(None)
    }
    fn serialize_struct_variant(self, name: &'static str, _: u32, variant: &'static str, _: usize) -> Result<Self::SerializeStructVariant, Error> {
        Err(Error(format!("{name}::{variant}: struct variants are not converted")))
    }
}

impl<'py> Seq<'_, 'py> {
    fn push<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Error> {
        self.items.push(v.serialize(Ser(self.c))?);
        Ok(())
    }
    fn done(self) -> R<'py> {
        Ok(PyList::new(self.c.py, self.items)?.into_any())
    }
}

impl<'py> ser::SerializeSeq for Seq<'_, 'py> {
    type Ok = Bound<'py, PyAny>;
    type Error = Error;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Error> {
        self.push(v)
    }
    fn end(self) -> R<'py> {
        self.done()
    }
}

impl<'py> ser::SerializeTuple for Seq<'_, 'py> {
    type Ok = Bound<'py, PyAny>;
    type Error = Error;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Error> {
        self.push(v)
    }
    fn end(self) -> R<'py> {
        self.done()
    }
}

impl<'py> ser::SerializeTupleStruct for Seq<'_, 'py> {
    type Ok = Bound<'py, PyAny>;
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Error> {
        self.push(v)
    }
    fn end(self) -> R<'py> {
        self.done()
    }
}

/// A map key as serde_json writes it: strings as they are, numbers and booleans as text.
struct KeySer<'a, 'py>(&'a ToPy<'py>);

impl<'a, 'py> KeySer<'a, 'py> {
    fn text(&self, s: String) -> R<'py> {
        Ok(self.0.key(&s).into_any())
    }
}

macro_rules! key_as_text {
    ($($f:ident: $t:ty),*) => {
        $(fn $f(self, v: $t) -> R<'py> { self.text(v.to_string()) })*
    };
}

impl<'a, 'py> ser::Serializer for KeySer<'a, 'py> {
    type Ok = Bound<'py, PyAny>;
    type Error = Error;
    type SerializeSeq = ser::Impossible<Self::Ok, Error>;
    type SerializeTuple = ser::Impossible<Self::Ok, Error>;
    type SerializeTupleStruct = ser::Impossible<Self::Ok, Error>;
    type SerializeTupleVariant = ser::Impossible<Self::Ok, Error>;
    type SerializeMap = ser::Impossible<Self::Ok, Error>;
    type SerializeStruct = ser::Impossible<Self::Ok, Error>;
    type SerializeStructVariant = ser::Impossible<Self::Ok, Error>;

    key_as_text!(serialize_bool: bool, serialize_i8: i8, serialize_i16: i16, serialize_i32: i32, serialize_i64: i64, serialize_u8: u8, serialize_u16: u16, serialize_u32: u32, serialize_u64: u64, serialize_char: char);
    fn serialize_str(self, v: &str) -> R<'py> {
        Ok(self.0.key(v).into_any())
    }
    fn serialize_f32(self, _: f32) -> R<'py> {
        Err(Error("a float as a map key".into()))
    }
    fn serialize_f64(self, _: f64) -> R<'py> {
        Err(Error("a float as a map key".into()))
    }
    fn serialize_bytes(self, _: &[u8]) -> R<'py> {
        Err(Error("bytes as a map key".into()))
    }
    fn serialize_none(self) -> R<'py> {
        Err(Error("None as a map key".into()))
    }
    fn serialize_some<T: Serialize + ?Sized>(self, v: &T) -> R<'py> {
        v.serialize(self)
    }
    fn serialize_unit(self) -> R<'py> {
        Err(Error("() as a map key".into()))
    }
    fn serialize_unit_struct(self, _: &'static str) -> R<'py> {
        Err(Error("a unit struct as a map key".into()))
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, variant: &'static str) -> R<'py> {
        Ok(self.0.key(variant).into_any())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _: &'static str, v: &T) -> R<'py> {
        v.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(self, _: &'static str, _: u32, _: &'static str, _: &T) -> R<'py> {
        Err(Error("an enum as a map key".into()))
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, Error> {
        Err(Error("a list as a map key".into()))
    }
    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, Error> {
        Err(Error("a tuple as a map key".into()))
    }
    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeTupleStruct, Error> {
        Err(Error("a tuple as a map key".into()))
    }
    fn serialize_tuple_variant(self, _: &'static str, _: u32, _: &'static str, _: usize) -> Result<Self::SerializeTupleVariant, Error> {
        Err(Error("an enum as a map key".into()))
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, Error> {
        Err(Error("a map as a map key".into()))
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeStruct, Error> {
        Err(Error("a struct as a map key".into()))
    }
    fn serialize_struct_variant(self, _: &'static str, _: u32, _: &'static str, _: usize) -> Result<Self::SerializeStructVariant, Error> {
        Err(Error("an enum as a map key".into()))
    }
}

impl<'py> ser::SerializeMap for Map<'_, 'py> {
    type Ok = Bound<'py, PyAny>;
    type Error = Error;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, k: &T) -> Result<(), Error> {
        self.key = Some(k.serialize(KeySer(self.c))?);
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Error> {
        let k = self.key.take().ok_or_else(|| Error("a map value without its key".into()))?;
        self.dict.set_item(k, v.serialize(Ser(self.c))?)?;
        Ok(())
    }
    fn end(self) -> R<'py> {
        Ok(self.dict.into_any())
    }
}

impl<'py> ser::SerializeStruct for Map<'_, 'py> {
    type Ok = Bound<'py, PyAny>;
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, k: &'static str, v: &T) -> Result<(), Error> {
        self.dict.set_item(self.c.key(k), v.serialize(Ser(self.c))?)?;
        Ok(())
    }
    fn end(self) -> R<'py> {
        Ok(self.dict.into_any())
    }
}
