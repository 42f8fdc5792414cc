//! What a commit carries: puts, deletes and table clears, applied together.

/// A logical table, declared as a `const` in a service's `persist.rs`.
///
/// Names are namespaced by service (`"s3.buckets"`) so services never collide.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Table(&'static str);

impl Table {
    /// Declares a table.
    pub const fn new(name: &'static str) -> Self {
        Self(name)
    }

    /// The table's name.
    pub fn name(self) -> &'static str {
        self.0
    }
}

/// One change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Op {
    /// Insert or replace a row.
    Put {
        /// Target table.
        table: Table,
        /// Row key.
        key: Vec<u8>,
        /// Row value.
        value: Vec<u8>,
    },
    /// Remove a row (absent rows are fine).
    Delete {
        /// Target table.
        table: Table,
        /// Row key.
        key: Vec<u8>,
    },
    /// Remove every row whose key starts with `prefix`.
    DeletePrefix {
        /// Target table.
        table: Table,
        /// Key prefix.
        prefix: Vec<u8>,
    },
    /// Remove every row of a table.
    Clear {
        /// Target table.
        table: Table,
    },
}

/// Changes applied atomically by [`Storage::commit`](crate::Storage::commit), in order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Batch {
    ops: Vec<Op>,
}

impl Batch {
    /// An empty batch.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a put.
    pub fn put(
        &mut self,
        table: Table,
        key: impl Into<Vec<u8>>,
        value: impl Into<Vec<u8>>,
    ) -> &mut Self {
        self.ops.push(Op::Put {
            table,
            key: key.into(),
            value: value.into(),
        });
        self
    }

    /// Adds a delete.
    pub fn delete(&mut self, table: Table, key: impl Into<Vec<u8>>) -> &mut Self {
        self.ops.push(Op::Delete {
            table,
            key: key.into(),
        });
        self
    }

    /// Adds a delete of every row whose key starts with `prefix`.
    pub fn delete_prefix(&mut self, table: Table, prefix: impl Into<Vec<u8>>) -> &mut Self {
        self.ops.push(Op::DeletePrefix {
            table,
            prefix: prefix.into(),
        });
        self
    }

    /// A batch that empties every one of `tables` (a service's reset).
    pub fn clearing(tables: &[Table]) -> Self {
        let mut batch = Self::new();
        for table in tables {
            batch.clear(*table);
        }
        batch
    }

    /// Adds a clear of a whole table.
    pub fn clear(&mut self, table: Table) -> &mut Self {
        self.ops.push(Op::Clear { table });
        self
    }

    /// Whether the batch has no changes.
    pub fn is_empty(&self) -> bool {
        self.ops.is_empty()
    }

    /// The changes, in order.
    pub fn ops(&self) -> &[Op] {
        &self.ops
    }

    /// Consumes the batch into its changes.
    pub fn into_ops(self) -> Vec<Op> {
        self.ops
    }
}
