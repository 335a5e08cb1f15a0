/// JSON payloads of three sizes for the encoder benchmarks.
pub mod payloads {
    use serde::{Deserialize, Serialize};

    /// The small body: TechEmpower's `{"message":"Hello, World!"}`.
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    pub struct Message {
        /// The greeting.
        pub message: String,
    }

    /// One line of an order.
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    pub struct Line {
        /// Stock-keeping unit.
        pub sku: String,
        /// Free text, with characters that need escaping.
        pub description: String,
        /// Quantity.
        pub qty: u32,
        /// Unit price.
        pub price: f64,
        /// Whether the line is in stock.
        pub in_stock: bool,
    }

    /// An order: a point-of-sale transaction of `lines.len()` lines.
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    pub struct Order {
        /// Order number.
        pub id: u64,
        /// The customer's name.
        pub customer: String,
        /// The lines.
        pub lines: Vec<Line>,
        /// An optional note.
        pub note: Option<String>,
    }

    /// The small payload.
    pub fn small() -> Message {
        Message {
            message: "Hello, World!".into(),
        }
    }

    /// An order of `n` lines; 10 lines encode to about 1 KiB, 1,000 to about 100 KiB.
    pub fn order(n: usize) -> Order {
        Order {
            id: 1_234_567,
            customer: "Zoë Example \"Ltd\"".into(),
            lines: (0..n)
                .map(|i| Line {
                    sku: format!("SKU-{i:06}"),
                    description: format!("item {i}, size \"M\"\tcolour blue"),
                    qty: (i % 7) as u32 + 1,
                    price: 9.99 + i as f64 * 0.25,
                    in_stock: i % 3 != 0,
                })
                .collect(),
            note: Some("leave at the door".into()),
        }
    }

    /// The medium payload (about 1 KiB encoded).
    pub fn medium() -> Order {
        order(10)
    }

    /// The large payload (about 100 KiB encoded).
    pub fn large() -> Order {
        order(1_000)
    }
}
