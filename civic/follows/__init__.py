"""Following: a person keeps an eye on a process, proposal, goal or outcome."""
