"""Stage 3: turn parsed files into evaluated Resource records (Terraform needs real evaluation)."""
