pub mod dokumente;
