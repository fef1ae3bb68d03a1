//! [`schluessel!`](crate::schluessel): one declaration for the many small enums of the
//! domain that are stored and sent as a key, shown with a German label, and parsed from user
//! input with a German error that names the allowed keys.

/// Declares an enum whose variants each have a key (stored, in URLs and forms, and its serde
/// name) and a German label, with `ALL`, `key`, `label`, `parse` and `optionen`.
///
/// ```
/// ozg_domain::schluessel! {
///     /// A vote.
///     pub enum Stimme: "keine Stimme" {
///         /// In favour.
///         Ja = "ja" / "Ja",
///         /// Against.
///         Nein = "nein" / "Nein",
///     }
/// }
/// assert_eq!(Stimme::parse(" ja "), Ok(Stimme::Ja));
/// assert_eq!(
///     Stimme::parse("vielleicht").unwrap_err(),
///     "„vielleicht“ ist keine Stimme: erlaubt sind ja, nein"
/// );
/// assert_eq!(Stimme::Nein.label(), "Nein");
/// ```
#[macro_export]
macro_rules! schluessel {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident: $kein:literal {
            $(
                $(#[$vmeta:meta])*
                $variant:ident = $key:literal / $label:literal
            ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord,
            ::serde::Serialize, ::serde::Deserialize,
        )]
        $vis enum $name {
            $(
                $(#[$vmeta])*
                #[serde(rename = $key)]
                $variant,
            )+
        }

        impl $name {
            /// All values, in declaration order.
            pub const ALL: [$name; [$(stringify!($variant)),+].len()] = [$($name::$variant),+];

            /// The stored key.
            pub fn key(self) -> &'static str {
                match self {
                    $($name::$variant => $key,)+
                }
            }

            /// The German label.
            pub fn label(self) -> &'static str {
                match self {
                    $($name::$variant => $label,)+
                }
            }

            /// Parses a key (surrounding spaces ignored); the German error names the allowed
            /// keys.
            pub fn parse(s: &str) -> ::core::result::Result<$name, ::std::string::String> {
                let s = s.trim();
                $name::ALL
                    .into_iter()
                    .find(|v| v.key() == s)
                    .ok_or_else(|| {
                        ::std::format!(
                            "„{}“ ist {}: erlaubt sind {}",
                            s,
                            $kein,
                            $name::ALL.map($name::key).join(", ")
                        )
                    })
            }

            /// (key, label) of every value, for a select field.
            pub fn optionen() -> ::std::vec::Vec<(&'static str, &'static str)> {
                $name::ALL.iter().map(|v| (v.key(), v.label())).collect()
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.label())
            }
        }
    };
}
