//! `str_enum!`: enums whose values travel as fixed strings — in JSON, in query strings and, with
//! the `db` feature, in database columns. One table per enum gives the variant names and their
//! strings, and the conversions in every direction come from it, so a string is written once.

/// Declares an enum of string values: `as_str`, `parse`, `FromStr` (an unknown value is an
/// error naming the type and the value), `Display`, serde as the same strings, the OpenAPI
/// schema with `openapi`, and sea-orm column conversions with `db` (an unknown value in the
/// database is a loud `DbErr::Type`, never a silent default).
#[macro_export]
macro_rules! str_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $s:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vmeta])* $variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $s),+ }
            }
            pub fn parse(s: &str) -> Option<Self> {
                match s { $($s => Some($name::$variant),)+ _ => None }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::UnknownValue;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                $name::parse(s).ok_or_else(|| $crate::UnknownValue {
                    of: stringify!($name),
                    value: s.to_string(),
                })
            }
        }

        $crate::__str_enum_db!($name);
    };
}

/// A string that names no value of an enum.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownValue {
    pub of: &'static str,
    pub value: String,
}

impl std::fmt::Display for UnknownValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?} is not a {}", self.value, self.of)
    }
}

impl std::error::Error for UnknownValue {}

/// The sea-orm conversions of a `str_enum!` (feature `db`): stored as its string; reading an
/// unknown string fails loudly.
#[cfg(feature = "db")]
#[doc(hidden)]
#[macro_export]
macro_rules! __str_enum_db {
    ($name:ident) => {
        impl From<$name> for sea_orm::Value {
            fn from(value: $name) -> Self {
                sea_orm::Value::String(Some(Box::new(value.as_str().to_string())))
            }
        }

        impl sea_orm::TryGetable for $name {
            fn try_get_by<I: sea_orm::ColIdx>(
                res: &sea_orm::QueryResult,
                idx: I,
            ) -> Result<Self, sea_orm::TryGetError> {
                let text = String::try_get_by(res, idx)?;
                text.parse().map_err(|e: $crate::UnknownValue| {
                    sea_orm::TryGetError::DbErr(sea_orm::DbErr::Type(e.to_string()))
                })
            }
        }

        impl sea_orm::sea_query::ValueType for $name {
            fn try_from(v: sea_orm::Value) -> Result<Self, sea_orm::sea_query::ValueTypeErr> {
                let text = <String as sea_orm::sea_query::ValueType>::try_from(v)?;
                text.parse().map_err(|_| sea_orm::sea_query::ValueTypeErr)
            }
            fn type_name() -> String {
                stringify!($name).to_owned()
            }
            fn array_type() -> sea_orm::sea_query::ArrayType {
                sea_orm::sea_query::ArrayType::String
            }
            fn column_type() -> sea_orm::sea_query::ColumnType {
                sea_orm::sea_query::ColumnType::String(sea_orm::sea_query::StringLen::None)
            }
        }

        impl sea_orm::sea_query::Nullable for $name {
            fn null() -> sea_orm::Value {
                sea_orm::Value::String(None)
            }
        }
    };
}

#[cfg(not(feature = "db"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __str_enum_db {
    ($name:ident) => {};
}
