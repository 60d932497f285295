"""Process-level harness for the reliability suite: real servers, private PostgreSQL and
Redis that the tests may stop, and loopback fake upstreams."""
