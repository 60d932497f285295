"""Print the SDL: `python -m schema.print > schema.graphql`."""

from schema.compose import schema

if __name__ == "__main__":
    print(schema.as_str())
