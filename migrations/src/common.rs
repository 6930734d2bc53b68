//! Column helpers shared by the migrations (they only build statements; the SQL of a landed
//! migration never changes).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

/// A `bigint` auto-increment primary key.
pub fn id<T: IntoIden>(name: T) -> ColumnDef {
    big_integer(name).auto_increment().primary_key().take()
}

/// An index `name` on `table` over `columns`, in order.
pub fn index<T: IntoIden + 'static, C: IntoIden>(
    name: &str,
    table: T,
    columns: impl IntoIterator<Item = C>,
) -> IndexCreateStatement {
    let mut index = Index::create();
    index.name(name).table(table);
    for c in columns {
        index.col(c);
    }
    index.take()
}
