"""A trivial echo device: proves the link layer, the sim:// handler and the pty runner end to end."""
