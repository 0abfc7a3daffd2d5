#!/bin/sh
# The API host sets the session cookie the credentialed calls send back.
printf 'Content-Type: text/plain\r\n'
printf 'Set-Cookie: labsid=s3cr3t; Path=/; SameSite=Lax; HttpOnly\r\n\r\n'
printf 'cookie set\n'
