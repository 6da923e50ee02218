"""One thin script per page; each checks its role before it reads anything."""
