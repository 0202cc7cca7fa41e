"""Staff console: server-rendered pages for the back office (fleet health, applications, notices)."""
