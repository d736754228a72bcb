/** @jsxImportSource hono/jsx */
import type { Child } from 'hono/jsx';
import { assetUrl } from '../assets.ts';

export function Layout(props: { title: string; children: Child; scripts?: boolean }) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="robots" content="noindex" />
        <link rel="icon" href="data:," />
        <title>{props.title}</title>
        <link rel="stylesheet" href={assetUrl('dashboard.css')} />
        {props.scripts ? <script src={assetUrl('chart.umd.min.js')} defer></script> : null}
        {props.scripts ? <script src={assetUrl('dashboard.js')} defer></script> : null}
      </head>
      <body>{props.children}</body>
    </html>
  );
}
