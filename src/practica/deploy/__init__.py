"""What a deployment of the images needs beside the services themselves (``deploy/``)."""
