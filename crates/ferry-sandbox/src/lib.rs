//! An embedded Symphony for rehearsals and tests.
